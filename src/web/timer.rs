//! Timers through the global `setTimeout` (so they work in workers too), and a sleep that
//! another part of the uploader can cut short.

use std::cell::RefCell;

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    pub(crate) fn set_timeout(handler: &Function, ms: f64) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    pub(crate) fn clear_timeout(id: &JsValue);
}

/// Milliseconds on a monotonic-enough clock.
pub(crate) fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Waits `ms` (forever when `None`) or until [`wake`] is called on `waker`, whichever
/// comes first.
pub(crate) async fn sleep(ms: Option<f64>, waker: &RefCell<Option<Function>>) {
    let mut timer = JsValue::UNDEFINED;
    let promise = Promise::new(&mut |resolve, _| {
        if let Some(ms) = ms {
            timer = set_timeout(&resolve, ms);
        }
        *waker.borrow_mut() = Some(resolve);
    });
    // The promise only ever resolves.
    let _ = JsFuture::from(promise).await;
    clear_timeout(&timer);
    waker.borrow_mut().take();
}

/// Ends the current [`sleep`] on `waker`, if any.
pub(crate) fn wake(waker: &RefCell<Option<Function>>) {
    if let Some(resolve) = waker.borrow_mut().take() {
        let _ = resolve.call0(&JsValue::NULL);
    }
}
