//! The `redis` step kind. Must not import `run`, `plan` or `report`.

mod kind;

pub use kind::Redis;
