//! The panic boundary of the bindings (the C ABI, Python), in one place: [`Guarded`], a
//! [`Processor`] whose calls run behind [`catch`]. A call that panics is answered with
//! [`Fault::Panicked`] ([`Status::Panic`]) and poisons the processor, so that every later call
//! is answered with [`Fault::Poisoned`] ([`Status::Poisoned`]) instead of touching state the
//! panic may have left half-updated. The guard decides what happens; each binding words the
//! error in its own style (naming the call as its users know it).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::OnceLock;

use super::{Processor, Status};

/// Why a guarded call has no outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The call panicked, with this message (`None` when the panic carried no text). A
    /// [`Guarded`] processor is poisoned by it.
    Panicked(Option<String>),
    /// An earlier call, named here, panicked: the processor is poisoned and was not called.
    Poisoned(&'static str),
}

impl Fault {
    /// The status of the fault: [`Status::Panic`] or [`Status::Poisoned`].
    pub fn status(&self) -> Status {
        match self {
            Fault::Panicked(_) => Status::Panic,
            Fault::Poisoned(_) => Status::Poisoned,
        }
    }
}

/// Runs `f`, catching a panic: [`Fault::Panicked`] with the panic's message. For the calls
/// that have no processor to poison.
pub fn catch<T>(f: impl FnOnce() -> T) -> Result<T, Fault> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned());
        Fault::Panicked(message)
    })
}

/// A processor behind the panic boundary: `Send + Sync` like the processor, so every call
/// may run from any thread.
pub struct Guarded {
    processor: Processor,
    /// The call that panicked, once one has.
    poisoned: OnceLock<&'static str>,
}

impl Guarded {
    /// Puts `processor` behind the boundary.
    pub fn new(processor: Processor) -> Self {
        Self {
            processor,
            poisoned: OnceLock::new(),
        }
    }

    /// Runs call `op` (its name, kept if it panics) on the processor, unless an earlier call
    /// poisoned it ([`Fault::Poisoned`]). If `f` panics, the processor is poisoned and the
    /// answer is [`Fault::Panicked`].
    pub fn call<T>(&self, op: &'static str, f: impl FnOnce(&Processor) -> T) -> Result<T, Fault> {
        if let Some(at) = self.poisoned_in() {
            return Err(Fault::Poisoned(at));
        }
        catch(|| f(&self.processor)).inspect_err(|_| {
            // The first panic names the poisoning; a concurrent one finds it set.
            let _ = self.poisoned.set(op);
        })
    }

    /// The call whose panic poisoned the processor, or `None` while it is healthy.
    pub fn poisoned_in(&self) -> Option<&'static str> {
        self.poisoned.get().copied()
    }
}

#[cfg(test)]
#[allow(clippy::panic)]
mod tests {
    use super::*;
    use crate::Options;

    #[test]
    fn a_panic_poisons_and_later_calls_are_refused() {
        let g = Guarded::new(Processor::new(Options::default()));
        assert_eq!(g.call("flush", |p| p.flush()), Ok(()));
        assert_eq!(g.poisoned_in(), None);
        let fault = g.call("boom", |_| -> () { panic!("boom {}", 1) });
        assert_eq!(fault, Err(Fault::Panicked(Some("boom 1".to_owned()))));
        assert_eq!(fault.unwrap_err().status(), Status::Panic);
        assert_eq!(g.poisoned_in(), Some("boom"));
        let mut ran = false;
        assert_eq!(
            g.call("flush", |_| ran = true),
            Err(Fault::Poisoned("boom"))
        );
        assert!(!ran);
        assert_eq!(Fault::Poisoned("boom").status(), Status::Poisoned);
    }

    #[test]
    fn panic_messages() {
        assert_eq!(catch(|| 1), Ok(1));
        assert_eq!(
            catch(|| -> () { panic!("static") }),
            Err(Fault::Panicked(Some("static".to_owned())))
        );
        assert_eq!(
            catch(|| -> () { std::panic::panic_any(7) }),
            Err(Fault::Panicked(None))
        );
    }

    const _: () = {
        const fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Guarded>();
    };
}
