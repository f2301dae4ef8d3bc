//! A global allocator that keeps, per thread, the bytes allocated now and
//! their peak since the last reset: the fuzz tests bound the memory one
//! input may take on the thread that decodes it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    static NOW: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
    static BASE: Cell<isize> = const { Cell::new(0) };
}

fn add(delta: isize) {
    // `try_with`: no counting while the thread's locals are torn down.
    let _ = NOW.try_with(|now| {
        let n = now.get() + delta;
        now.set(n);
        let _ = PEAK.try_with(|p| p.set(p.get().max(n)));
    });
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            add(layout.size() as isize);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        add(-(layout.size() as isize));
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = System.realloc(ptr, layout, new_size);
        if !p.is_null() {
            add(new_size as isize - layout.size() as isize);
        }
        p
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

/// Start measuring this thread's peak from what it holds now.
pub fn reset_peak() {
    let now = NOW.with(Cell::get);
    PEAK.with(|p| p.set(now));
    BASE.with(|b| b.set(now));
}

/// The most this thread held at once since [`reset_peak`], beyond what it
/// held then.
pub fn peak_since_reset() -> usize {
    (PEAK.with(Cell::get) - BASE.with(Cell::get)).max(0) as usize
}
