//! What several integration tests share. Each test file that needs it says
//! `mod common;` and uses what it needs; every test binary compiles this module
//! on its own and uses a different part of it, hence the `dead_code` allowance.
#![allow(dead_code)]

pub mod broker_file;
pub mod demo;
pub mod http_server;
pub mod ports;
pub mod process_tree;
pub mod suite;
pub mod tls;
