//! PostgreSQL login roles (being built).
