//! A step's result record as expressions read it (`Record`): a field by name, and
//! a path into one without making it whole. Most kinds make every field before
//! the step ends (a list of fields is a record); an HTTP response's record makes
//! each field when it is first read (`http::response::ResponseRecord`), since a
//! test reads one or two fields of a response and building all of them (headers
//! twice, the body as text and twice as bytes, the cookies) for every step was
//! most of what a step cost beyond its request (callgrind, docs/performance.md).
//! Pure: it must not import `run`.

use super::exec::{FieldValue, JsonKey};

/// The fields of a step's result, by name.
pub trait Record: Send + Sync {
    /// The field called `name`, made at its first read; `None` when the record
    /// has no field of that name.
    fn field(&self, name: &str) -> Option<&FieldValue>;

    /// The value at `path` inside the field called `name`, when it can be read
    /// without making the field whole and is there (`JsonBody::at`); `None`
    /// otherwise, and the caller reads the field.
    fn field_at(&self, _name: &str, _path: &[JsonKey]) -> Option<serde_json::Value> {
        None
    }

    /// Every field, in the order the kind's schema declares them (`let r = GET …`
    /// keeps the whole record).
    fn all_fields(&self) -> Vec<(String, FieldValue)>;
}

/// Fields made already, in their order.
impl Record for Vec<(String, FieldValue)> {
    fn field(&self, name: &str) -> Option<&FieldValue> {
        self.iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value)
    }

    fn all_fields(&self) -> Vec<(String, FieldValue)> {
        self.clone()
    }
}
