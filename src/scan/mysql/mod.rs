//! MySQL and MariaDB accounts (being built).
