pub mod barrier;
pub mod fake_http;
pub mod mariadb;
pub mod moto;
pub mod postgres;
pub mod probe_keys;
pub mod tls;
