//! Snapshot bodies as pieces: the sink the encoder writes into, and the source the decoder
//! reads from, one piece at a time. Neither holds more than a piece or two.

use std::marker::PhantomData;

use ledger_domain::Ledger;
use postcard::de_flavors::Flavor;
use postcard::ser_flavors;
use serde::Deserialize;
use tokio::sync::mpsc;

use super::owned::Owned;

/// Where the encoder writes: pieces of at least `size` bytes (but the last) handed to the task
/// that stores them. Fails once that task has stopped, which ends the encoding.
pub(super) struct PieceSink {
    piece: Vec<u8>,
    size: usize,
    stored: mpsc::Sender<Vec<u8>>,
}

impl PieceSink {
    fn hand_over(&mut self) -> postcard::Result<()> {
        let piece = std::mem::replace(&mut self.piece, Vec::with_capacity(self.size));
        // The store has stopped (and says why); ending the encoding is all that is left.
        self.stored
            .blocking_send(piece)
            .map_err(|_| postcard::Error::SerializeBufferFull)
    }
}

/// Written to directly, byte by byte, rather than through `io::Write` (`postcard::to_io`
/// made a `write_all` call per byte: 4 % of a snapshot write's samples).
impl ser_flavors::Flavor for PieceSink {
    type Output = ();

    fn try_push(&mut self, byte: u8) -> postcard::Result<()> {
        self.piece.push(byte);
        if self.piece.len() >= self.size {
            self.hand_over()?;
        }
        Ok(())
    }

    fn try_extend(&mut self, bytes: &[u8]) -> postcard::Result<()> {
        self.piece.extend_from_slice(bytes);
        if self.piece.len() >= self.size {
            self.hand_over()?;
        }
        Ok(())
    }

    fn finalize(mut self) -> postcard::Result<()> {
        if self.piece.is_empty() {
            return Ok(());
        }
        self.hand_over()
    }
}

/// Encodes `ledger` into pieces sent to `stored`, the last one included.
pub(super) fn encode_into(
    ledger: &Ledger,
    size: usize,
    stored: mpsc::Sender<Vec<u8>>,
) -> Result<(), postcard::Error> {
    let sink = PieceSink {
        piece: Vec::with_capacity(size),
        size,
        stored,
    };
    postcard::serialize_with_flavor(ledger, sink)
}

/// The ledger from the pieces arriving on `arriving`, `first` already taken from it. Blocks
/// on the channel: run it on a blocking thread.
pub(super) fn decode_from(
    first: Vec<u8>,
    arriving: mpsc::Receiver<Vec<u8>>,
) -> Result<Ledger, postcard::Error> {
    let source = PieceSource {
        piece: first,
        at: 0,
        arriving,
        spanning: Vec::new(),
        _lends_nothing: PhantomData,
    };
    let mut deserializer = postcard::Deserializer::from_flavor(source);
    Ledger::deserialize(Owned(&mut deserializer))
}

/// postcard's input, read from pieces as they arrive. A value that spans two pieces is copied
/// into `spanning`; nothing is lent for longer than one value (see [`Owned`]).
struct PieceSource<'de> {
    piece: Vec<u8>,
    at: usize,
    arriving: mpsc::Receiver<Vec<u8>>,
    spanning: Vec<u8>,
    _lends_nothing: PhantomData<&'de ()>,
}

impl PieceSource<'_> {
    /// Makes `piece` the next non-empty piece; the body ends early if there is none.
    fn next_piece(&mut self) -> postcard::Result<()> {
        loop {
            match self.arriving.blocking_recv() {
                Some(piece) if piece.is_empty() => continue,
                Some(piece) => {
                    self.piece = piece;
                    self.at = 0;
                    return Ok(());
                }
                None => return Err(postcard::Error::DeserializeUnexpectedEnd),
            }
        }
    }
}

impl<'de> Flavor<'de> for PieceSource<'de> {
    type Remainder = ();
    type Source = ();

    fn pop(&mut self) -> postcard::Result<u8> {
        if self.at >= self.piece.len() {
            self.next_piece()?;
        }
        let byte = self.piece.get(self.at).copied();
        self.at += 1;
        byte.ok_or(postcard::Error::DeserializeUnexpectedEnd)
    }

    fn try_take_n(&mut self, _: usize) -> postcard::Result<&'de [u8]> {
        // Lending for the whole decoding would need the whole body; `Owned` never asks.
        Err(postcard::Error::DeserializeUnexpectedEnd)
    }

    fn try_take_n_temp<'a>(&'a mut self, count: usize) -> postcard::Result<&'a [u8]>
    where
        'de: 'a,
    {
        let left = self.piece.len().saturating_sub(self.at);
        if count <= left {
            let start = self.at;
            self.at += count;
            return Ok(&self.piece[start..self.at]);
        }
        // Grown only as bytes arrive, so a damaged length cannot reserve more than the body.
        self.spanning.clear();
        let mut wanted = count;
        while wanted > 0 {
            if self.at >= self.piece.len() {
                self.next_piece()?;
            }
            let take = wanted.min(self.piece.len() - self.at);
            self.spanning
                .extend_from_slice(&self.piece[self.at..self.at + take]);
            self.at += take;
            wanted -= take;
        }
        Ok(&self.spanning)
    }

    fn finalize(self) -> postcard::Result<()> {
        Ok(())
    }
}
