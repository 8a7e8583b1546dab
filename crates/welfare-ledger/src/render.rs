//! Any JSON answer as `field,value` CSV or an aligned table for people: nested fields become
//! dotted paths (`rows.0.debit`), money gets thousands dots and the dong sign in tables.

use serde_json::Value;

/// Every leaf of `value` with its dotted path, in document order.
pub fn leaves(value: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    walk(value, String::new(), &mut out);
    out
}

fn walk(value: &Value, path: String, out: &mut Vec<(String, String)>) {
    let join = |key: &str| match path.is_empty() {
        true => key.to_owned(),
        false => format!("{path}.{key}"),
    };
    match value {
        Value::Object(map) => map.iter().for_each(|(k, v)| walk(v, join(k), out)),
        Value::Array(items) if !items.is_empty() => items
            .iter()
            .enumerate()
            .for_each(|(i, v)| walk(v, join(&i.to_string()), out)),
        Value::Array(_) => out.push((path, String::new())),
        Value::String(s) => out.push((path, s.clone())),
        Value::Null => out.push((path, String::new())),
        other => out.push((path, other.to_string())),
    }
}

pub fn csv(value: &Value) -> String {
    let mut out = String::from("field,value\n");
    for (field, v) in leaves(value) {
        out.push_str(&format!("{},{}\n", quote(&field), quote(&v)));
    }
    out
}

pub fn quote(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

pub fn table(value: &Value) -> String {
    let rows = leaves(value);
    let width = rows
        .iter()
        .map(|(f, _)| f.chars().count())
        .max()
        .unwrap_or(0);
    rows.iter()
        .map(|(field, v)| {
            format!(
                "{field:<width$}  {}\n",
                crate::report::human(field.rsplit('.').next().unwrap_or(field), v)
            )
        })
        .collect()
}
