//! `Exclusive<T>`: the driver's interior mutability, a `RefCell` that only lends exclusively
//! and traps on a conflict.
//!
//! `RefCell` keeps a count of shared borrows and, at every borrow, a call into core's panic
//! machinery with the source location to report a conflict: about 0.8 KB gzip across the
//! driver's borrows. The driver never needs two borrows of one cell at once (every borrow
//! ends before anything that may call back into it), so a flag is enough, and a conflict,
//! which would be a bug, stops the wasm as a panic does in the package's build.

use core::cell::{Cell, UnsafeCell};
use core::ops::{Deref, DerefMut};

/// A value lent to one borrower at a time.
#[derive(Default)]
pub(crate) struct Exclusive<T> {
    value: UnsafeCell<T>,
    lent: Cell<bool>,
}

/// The one borrow of an [`Exclusive`]; the value is free again when it drops.
pub(crate) struct Lent<'a, T>(&'a Exclusive<T>);

impl<T> Exclusive<T> {
    pub(crate) fn new(value: T) -> Exclusive<T> {
        Exclusive { value: UnsafeCell::new(value), lent: Cell::new(false) }
    }

    /// Borrows the value; traps if it is already lent.
    pub(crate) fn borrow_mut(&self) -> Lent<'_, T> {
        if self.lent.replace(true) {
            core::arch::wasm32::unreachable();
        }
        Lent(self)
    }

    /// Puts `value` in and returns what was there.
    pub(crate) fn replace(&self, value: T) -> T {
        core::mem::replace(&mut *self.borrow_mut(), value)
    }
}

impl<T> Deref for Lent<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: `lent` was false when this borrow was made and stays true until it drops,
        // so no other reference to the value exists meanwhile.
        unsafe { &*self.0.value.get() }
    }
}

impl<T> DerefMut for Lent<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; `&mut self` makes this the only use of the borrow.
        unsafe { &mut *self.0.value.get() }
    }
}

impl<T> Drop for Lent<'_, T> {
    fn drop(&mut self) {
        self.0.lent.set(false);
    }
}
