//! Reading api.video JSON bodies with the browser's own parser, so no JSON crate ships
//! in the wasm.

use js_sys::{Reflect, JSON};
use wasm_bindgen::JsValue;

use crate::error::Problem;

/// Parses `text`, or `None` when it is not JSON.
pub(crate) fn parse(text: &str) -> Option<JsValue> {
    JSON::parse(text).ok()
}

/// `value[key]` when it is a string.
pub(crate) fn string_field(value: &JsValue, key: &str) -> Option<String> {
    Reflect::get(value, &JsValue::from_str(key)).ok()?.as_string()
}

/// The problem fields of an error body.
pub(crate) fn problem(value: Option<&JsValue>) -> Problem {
    let Some(value) = value.filter(|v| v.is_object()) else {
        return Problem::default();
    };
    Problem {
        type_: string_field(value, "type"),
        title: string_field(value, "title"),
        name: string_field(value, "name"),
        detail: string_field(value, "detail"),
    }
}
