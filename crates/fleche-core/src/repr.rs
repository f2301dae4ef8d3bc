// placeholder until the renderer lands
use crate::Value;
pub fn repr(v: &Value) -> String {
    format!("{v:?}")
}
pub fn to_json(_v: &Value) -> serde_json::Value {
    serde_json::Value::Null
}
