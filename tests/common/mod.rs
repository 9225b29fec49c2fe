//! What several integration tests share. Each test file that needs it says
//! `mod common;`.

pub mod process_tree;
