// placeholder until the parser lands
use crate::Value;
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("column {column}: {message}")]
pub struct ParseError {
    pub column: usize,
    pub message: String,
}
pub fn parse(input: &str) -> Result<Value, ParseError> {
    input
        .trim()
        .parse::<i64>()
        .map(Value::int)
        .map_err(|e| ParseError {
            column: 1,
            message: e.to_string(),
        })
}
pub fn parse_assignment(input: &str) -> Result<(String, Value), ParseError> {
    let (a, b) = input.split_once('=').ok_or(ParseError {
        column: 1,
        message: "no =".into(),
    })?;
    Ok((a.to_string(), parse(b)?))
}
