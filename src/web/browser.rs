//! The browser's APIs the shell calls, declared once and each as the shell calls it: one
//! `send` for every body, and a `catch` (an exception
//! turned into an `Err`, with its glue) only where the browser may throw: `open` (a URL it
//! cannot parse), `setRequestHeader` (a value it refuses) and `send`; and `Reflect.set`
//! only on objects. web-sys declares each
//! of these with a `catch` and a shape of its own, and every import costs its own glue.

use alloc::string::String;

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// An `XMLHttpRequest`.
    #[wasm_bindgen(js_name = XMLHttpRequest)]
    pub(crate) type Xhr;
    #[wasm_bindgen(constructor, js_class = XMLHttpRequest)]
    pub(crate) fn new() -> Xhr;
    /// `open(method, url)`: asynchronous.
    #[wasm_bindgen(method, catch)]
    pub(crate) fn open(this: &Xhr, method: &str, url: &str) -> Result<(), JsValue>;
    #[wasm_bindgen(method, catch, js_name = setRequestHeader)]
    pub(crate) fn set_request_header(this: &Xhr, name: &str, value: &str) -> Result<(), JsValue>;
    /// `send(body)`: `null`, a string or a `FormData`.
    #[wasm_bindgen(method, catch)]
    pub(crate) fn send(this: &Xhr, body: &JsValue) -> Result<(), JsValue>;
    #[wasm_bindgen(method)]
    pub(crate) fn abort(this: &Xhr);
    #[wasm_bindgen(method, js_name = getResponseHeader)]
    pub(crate) fn get_response_header(this: &Xhr, name: &str) -> Option<String>;

    /// A `FormData`.
    #[wasm_bindgen(js_name = FormData)]
    pub(crate) type Form;
    #[wasm_bindgen(constructor, js_class = FormData)]
    pub(crate) fn new() -> Form;
    #[wasm_bindgen(method)]
    pub(crate) fn append(this: &Form, name: &str, value: &str);
    #[wasm_bindgen(method, js_name = append)]
    pub(crate) fn append_file(this: &Form, name: &str, blob: &JsValue, file_name: &str);

    /// `Reflect.set(target, key, value)` on an object (on anything else it would throw).
    #[wasm_bindgen(js_namespace = Reflect, js_name = set)]
    pub(crate) fn set_field(target: &JsValue, key: &str, value: &JsValue);

    /// `new Blob(parts)`: the blobs of a stream's part, one handle.
    #[wasm_bindgen(js_name = Blob)]
    pub(crate) type Merged;
    #[wasm_bindgen(constructor, js_class = Blob)]
    pub(crate) fn new(parts: &JsValue) -> Merged;

    /// Anything with `slice(start, end)`: a `Blob` or a `File`.
    pub(crate) type Sliceable;
    #[wasm_bindgen(method)]
    pub(crate) fn slice(this: &Sliceable, start: f64, end: f64) -> JsValue;
}
