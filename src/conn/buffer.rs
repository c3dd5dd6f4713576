//! Output buffers and the pool they come from.
//!
//! Owns: holding bytes a socket would not take yet, and recycling the memory.
//! Does not own: deciding when to write (the flush phase does) or the read
//! side (reads land in the reactor's one shared buffer; see `reactor`).
//!
//! An idle connection holds no buffer at all: a buffer is taken from the pool
//! when output first has to wait, and returned as soon as it is drained. That
//! is what keeps an idle connection to a few hundred bytes of RSS, where a
//! tokio task per connection costs several KiB (a task, its future, and a
//! buffer that lives as long as the task).

/// Bytes waiting to be written to one connection.
#[derive(Default)]
pub(crate) struct OutBuf {
    buf: Vec<u8>,
    /// How much of `buf` the socket has already taken.
    pos: usize,
}

impl OutBuf {
    /// Bytes queued and not yet written.
    pub(crate) fn pending(&self) -> usize {
        self.buf.len() - self.pos
    }

    pub(crate) fn unsent(&self) -> &[u8] {
        &self.buf[self.pos..]
    }

    pub(crate) fn push(&mut self, data: &[u8], pool: &mut BufPool) {
        if self.buf.capacity() == 0 {
            self.buf = pool.take(data.len());
        } else if self.pos > 0 && self.pos >= self.buf.len() / 2 {
            // Compact when the written prefix is at least half: the memmove
            // is then at most the size of what was already written once.
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        self.buf.extend_from_slice(data);
    }

    /// The socket took `n` more bytes.
    pub(crate) fn advance(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.buf.len());
    }

    /// Drop everything queued (abort, or the `no-outbuf` pitfall).
    pub(crate) fn clear(&mut self) {
        self.buf.clear();
        self.pos = 0;
    }

    /// Give the memory back once nothing is pending.
    pub(crate) fn release_if_empty(&mut self, pool: &mut BufPool) {
        if self.pending() == 0 && self.buf.capacity() > 0 {
            pool.give(std::mem::take(&mut self.buf));
            self.pos = 0;
        }
    }
}

/// Recycled `Vec<u8>`s, so a busy connection does not malloc and free a
/// buffer on every event.
#[derive(Default)]
pub(crate) struct BufPool {
    free: Vec<Vec<u8>>,
}

impl BufPool {
    /// Buffers kept for reuse; more are freed.
    const MAX_FREE: usize = 128;
    /// Larger buffers (left by a burst) are freed, not kept: RSS should fall
    /// back after a burst instead of staying at its peak.
    const MAX_KEPT_CAPACITY: usize = 128 * 1024;
    const MIN_CAPACITY: usize = 4096;

    pub(crate) fn take(&mut self, want: usize) -> Vec<u8> {
        match self.free.pop() {
            Some(buf) => buf,
            None => Vec::with_capacity(want.max(Self::MIN_CAPACITY)),
        }
    }

    pub(crate) fn give(&mut self, mut buf: Vec<u8>) {
        if self.free.len() < Self::MAX_FREE && buf.capacity() <= Self::MAX_KEPT_CAPACITY {
            buf.clear();
            self.free.push(buf);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_writes_keep_order_and_release_when_drained() {
        let mut pool = BufPool::default();
        let mut out = OutBuf::default();
        out.push(b"hello ", &mut pool);
        out.advance(4);
        out.push(b"world", &mut pool);
        assert_eq!(out.unsent(), b"o world");
        out.advance(7);
        assert_eq!(out.pending(), 0);
        out.release_if_empty(&mut pool);
        assert_eq!(pool.free.len(), 1);
        assert_eq!(out.buf.capacity(), 0);
    }
}
