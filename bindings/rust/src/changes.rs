//! bindings/rust/src/changes.rs — the change callback (shopsync_on_change) for
//! Rust: a closure or an mpsc channel. One trampoline per handle receives the C
//! calls; a panic in the closure is caught there and counted, never unwound into
//! C. The trampoline's context lives as long as the handle (the C side may still
//! call an old callback while it is being replaced), and it notes which handles'
//! callbacks run on this thread, so that `stop` and drop can refuse to run there.
use std::cell::RefCell;
use std::ffi::CStr;
use std::os::raw::{c_char, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// What changed rows: the source of the change and the entity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub source: Source,
    /// The entity whose rows changed, e.g. "orders".
    pub entity: String,
}

/// Where a change came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A write on this device (create, update, delete, import).
    Local,
    /// The server's answer to a push (accepted, conflict, rejected).
    Push,
    /// Rows pulled from the server.
    Pull,
    /// The local copy was rebuilt from a snapshot.
    Rebuild,
    /// A source this crate does not know (a newer library).
    Other(String),
}

impl Source {
    pub fn from_name(name: &str) -> Source {
        match name {
            "local" => Source::Local,
            "push" => Source::Push,
            "pull" => Source::Pull,
            "rebuild" => Source::Rebuild,
            other => Source::Other(other.to_string()),
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Source::Local => "local",
            Source::Push => "push",
            Source::Pull => "pull",
            Source::Rebuild => "rebuild",
            Source::Other(name) => name,
        }
    }
}

pub(crate) type Handler = Arc<dyn Fn(&Change) + Send + Sync + 'static>;

/// The trampoline's context: one per handle, freed only after shopsync_close.
#[derive(Default)]
pub(crate) struct ChangeSlot {
    handler: Mutex<Option<Handler>>,
    panics: AtomicU64,
}

thread_local! {
    /// The slots whose callback is running on this thread (innermost last).
    static RUNNING: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

impl ChangeSlot {
    pub(crate) fn set(&self, handler: Option<Handler>) {
        *self.handler.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = handler;
    }

    pub(crate) fn panics(&self) -> u64 {
        self.panics.load(Ordering::Relaxed)
    }

    /// True if this thread is inside this slot's callback right now.
    pub(crate) fn running_here(&self) -> bool {
        let me = self as *const ChangeSlot as usize;
        RUNNING.with(|running| running.borrow().contains(&me))
    }
}

/// The `shopsync_change_fn` given to C; `context` is a `*const ChangeSlot`.
pub(crate) unsafe extern "C" fn trampoline(context: *mut c_void, source: *const c_char, entity: *const c_char) {
    if context.is_null() {
        return;
    }
    let slot = &*(context as *const ChangeSlot);
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let handler = slot.handler.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone();
        let Some(handler) = handler else { return };
        let text = |p: *const c_char| if p.is_null() { String::new() } else { CStr::from_ptr(p).to_string_lossy().into_owned() };
        let change = Change { source: Source::from_name(&text(source)), entity: text(entity) };
        let me = slot as *const ChangeSlot as usize;
        RUNNING.with(|running| running.borrow_mut().push(me));
        let _leave = Leave(me);
        handler(&change);
    }));
    if outcome.is_err() {
        slot.panics.fetch_add(1, Ordering::Relaxed);
    }
}

/// Takes the slot off this thread's running list, also when the handler panics.
struct Leave(usize);

impl Drop for Leave {
    fn drop(&mut self) {
        let _ = RUNNING.try_with(|running| {
            let mut running = running.borrow_mut();
            if let Some(at) = running.iter().rposition(|s| *s == self.0) {
                running.remove(at);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CString;

    #[test]
    fn source_names_round_trip() {
        for name in ["local", "push", "pull", "rebuild", "future"] {
            assert_eq!(Source::from_name(name).name(), name);
        }
        assert_eq!(Source::from_name("future"), Source::Other("future".into()));
    }

    #[test]
    fn the_trampoline_catches_panics_and_keeps_serving() {
        let slot = ChangeSlot::default();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let seen_by_handler = seen.clone();
        slot.set(Some(Arc::new(move |c: &Change| {
            assert!(c.entity != "boom", "a handler panics");
            seen_by_handler.lock().unwrap().push(c.clone());
        })));
        let (pull, boom, orders) = (CString::new("pull").unwrap(), CString::new("boom").unwrap(), CString::new("orders").unwrap());
        let context = &slot as *const ChangeSlot as *mut c_void;
        unsafe {
            trampoline(context, pull.as_ptr(), boom.as_ptr());
            trampoline(context, pull.as_ptr(), orders.as_ptr());
            trampoline(std::ptr::null_mut(), pull.as_ptr(), orders.as_ptr());
        }
        assert_eq!(slot.panics(), 1);
        assert_eq!(*seen.lock().unwrap(), vec![Change { source: Source::Pull, entity: "orders".into() }]);
        assert!(!slot.running_here(), "a panicking handler leaves the running list too");
    }

    #[test]
    fn running_here_is_true_only_inside_the_callback_of_that_slot() {
        let slot = Arc::new(ChangeSlot::default());
        let other = ChangeSlot::default();
        let inside = Arc::new(Mutex::new(None));
        let (slot_in, inside_in) = (slot.clone(), inside.clone());
        let other_addr = &other as *const ChangeSlot as usize;
        slot.set(Some(Arc::new(move |_: &Change| {
            let other_running = RUNNING.with(|r| r.borrow().contains(&other_addr));
            *inside_in.lock().unwrap() = Some((slot_in.running_here(), other_running));
        })));
        let local = CString::new("local").unwrap();
        unsafe { trampoline(Arc::as_ptr(&slot) as *mut c_void, local.as_ptr(), local.as_ptr()) };
        assert_eq!(*inside.lock().unwrap(), Some((true, false)));
        assert!(!slot.running_here());
    }
}
