//! What a line is made of: [`Piece`]s (raw text inside a key, a source or a string) and
//! [`Value`]s (JSON values of fields). Ids, dates and months are written straight into the
//! line's buffer, never formatted through `fmt` (this is the generator's hot path).

use crate::calendar::{Day, Month};

/// Raw text, trusted to need no JSON escaping.
pub trait Piece {
    fn put(&self, buf: &mut Vec<u8>);
}

/// A JSON value.
pub trait Value {
    fn put_value(&self, buf: &mut Vec<u8>);
}

/// A number zero-padded to a width (codes, indexes in ids).
#[derive(Debug, Clone, Copy)]
pub struct Pad(pub u64, pub usize);

/// An amount of dong: a JSON string of digits.
#[derive(Debug, Clone, Copy)]
pub struct Amount(pub u64);

/// Free text (names, reasons): escaped.
#[derive(Debug, Clone, Copy)]
pub struct Text<'a>(pub &'a str);

/// A JSON string made of pieces.
#[derive(Debug, Clone, Copy)]
pub struct Str<P>(pub P);

/// An entity id. `region` is the region's label (`d003`).
#[derive(Debug, Clone, Copy)]
pub enum Id<'a> {
    /// A unit code, five digits.
    Unit(u32),
    /// `hh-d003-00012`.
    Household(&'a str, u32),
    /// `housing-d003-2023`.
    Housing(&'a str, i32),
    /// `house-d003-2023-012`.
    Support(&'a str, i32, u32),
    /// `children-d003-2023`.
    Children(&'a str, i32),
    /// `org-d003-012`.
    Sponsor(&'a str, u32),
    /// `ch-d003-00012`.
    Child(&'a str, u32),
    /// `sps-d003-00012-1`.
    Sponsorship(&'a str, u32, u8),
}

pub fn put_number(buf: &mut Vec<u8>, mut value: u64, width: usize) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    while value > 0 || digits.len() - at < width.min(20) {
        at -= 1;
        digits[at] = b'0' + (value % 10) as u8;
        value /= 10;
    }
    buf.extend_from_slice(&digits[at..]);
}

fn year(year: i32) -> u64 {
    u64::try_from(year).unwrap_or(0)
}

impl Piece for &str {
    fn put(&self, buf: &mut Vec<u8>) {
        buf.extend_from_slice(self.as_bytes());
    }
}

impl Piece for String {
    fn put(&self, buf: &mut Vec<u8>) {
        buf.extend_from_slice(self.as_bytes());
    }
}

impl Piece for u64 {
    fn put(&self, buf: &mut Vec<u8>) {
        put_number(buf, *self, 1);
    }
}

impl Piece for u32 {
    fn put(&self, buf: &mut Vec<u8>) {
        put_number(buf, u64::from(*self), 1);
    }
}

impl Piece for i32 {
    fn put(&self, buf: &mut Vec<u8>) {
        put_number(buf, year(*self), 1);
    }
}

impl Piece for Pad {
    fn put(&self, buf: &mut Vec<u8>) {
        put_number(buf, self.0, self.1);
    }
}

impl Piece for Day {
    fn put(&self, buf: &mut Vec<u8>) {
        let (y, m, d) = self.civil();
        (
            Pad(year(y), 4),
            "-",
            Pad(u64::from(m), 2),
            "-",
            Pad(u64::from(d), 2),
        )
            .put(buf);
    }
}

impl Piece for Month {
    fn put(&self, buf: &mut Vec<u8>) {
        let month = u64::from(self.number());
        (Pad(year(self.year()), 4), "-", Pad(month, 2)).put(buf);
    }
}

impl Piece for Id<'_> {
    fn put(&self, buf: &mut Vec<u8>) {
        match *self {
            Id::Unit(code) => Pad(u64::from(code), 5).put(buf),
            Id::Household(r, n) => ("hh-", r, "-", Pad(u64::from(n), 5)).put(buf),
            Id::Housing(r, y) => ("housing-", r, "-", y).put(buf),
            Id::Support(r, y, n) => ("house-", r, "-", y, "-", Pad(u64::from(n), 3)).put(buf),
            Id::Children(r, y) => ("children-", r, "-", y).put(buf),
            Id::Sponsor(r, n) => ("org-", r, "-", Pad(u64::from(n), 3)).put(buf),
            Id::Child(r, n) => ("ch-", r, "-", Pad(u64::from(n), 5)).put(buf),
            Id::Sponsorship(r, c, n) => {
                ("sps-", r, "-", Pad(u64::from(c), 5), "-", u32::from(n)).put(buf)
            }
        }
    }
}

impl<P: Piece> Piece for Option<P> {
    fn put(&self, buf: &mut Vec<u8>) {
        if let Some(piece) = self {
            piece.put(buf);
        }
    }
}

/// Tuples of pieces are pieces, written in order.
macro_rules! tuple_piece {
    ($($name:ident),+) => {
        impl<$($name: Piece),+> Piece for ($($name,)+) {
            #[allow(non_snake_case)]
            fn put(&self, buf: &mut Vec<u8>) {
                let ($($name,)+) = self;
                $($name.put(buf);)+
            }
        }
    };
}
tuple_piece!(A, B);
tuple_piece!(A, B, C);
tuple_piece!(A, B, C, D);
tuple_piece!(A, B, C, D, E);
tuple_piece!(A, B, C, D, E, F);
tuple_piece!(A, B, C, D, E, F, G);
tuple_piece!(A, B, C, D, E, F, G, H);
tuple_piece!(A, B, C, D, E, F, G, H, I);
tuple_piece!(A, B, C, D, E, F, G, H, I, J);

fn quoted(buf: &mut Vec<u8>, piece: &impl Piece) {
    buf.push(b'"');
    piece.put(buf);
    buf.push(b'"');
}

impl<P: Piece> Value for Str<P> {
    fn put_value(&self, buf: &mut Vec<u8>) {
        quoted(buf, &self.0);
    }
}

impl Value for &str {
    fn put_value(&self, buf: &mut Vec<u8>) {
        quoted(buf, self);
    }
}

impl Value for Id<'_> {
    fn put_value(&self, buf: &mut Vec<u8>) {
        quoted(buf, self);
    }
}

impl Value for Day {
    fn put_value(&self, buf: &mut Vec<u8>) {
        quoted(buf, self);
    }
}

impl Value for Month {
    fn put_value(&self, buf: &mut Vec<u8>) {
        quoted(buf, self);
    }
}

impl Value for Amount {
    fn put_value(&self, buf: &mut Vec<u8>) {
        quoted(buf, &self.0);
    }
}

impl Value for u64 {
    fn put_value(&self, buf: &mut Vec<u8>) {
        self.put(buf);
    }
}

impl Value for u32 {
    fn put_value(&self, buf: &mut Vec<u8>) {
        self.put(buf);
    }
}

impl Value for i32 {
    fn put_value(&self, buf: &mut Vec<u8>) {
        self.put(buf);
    }
}

impl<V: Value> Value for Option<V> {
    fn put_value(&self, buf: &mut Vec<u8>) {
        match self {
            Some(value) => value.put_value(buf),
            None => buf.extend_from_slice(b"null"),
        }
    }
}

impl Value for Text<'_> {
    fn put_value(&self, buf: &mut Vec<u8>) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        buf.push(b'"');
        for ch in self.0.chars() {
            match ch {
                '"' => buf.extend_from_slice(b"\\\""),
                '\\' => buf.extend_from_slice(b"\\\\"),
                c if u32::from(c) < 0x20 => {
                    let code = u32::from(c) as usize;
                    buf.extend_from_slice(b"\\u00");
                    buf.extend_from_slice(&[HEX[code >> 4], HEX[code & 15]]);
                }
                c => buf.extend_from_slice(c.encode_utf8(&mut [0u8; 4]).as_bytes()),
            }
        }
        buf.push(b'"');
    }
}

/// A JSON array of values.
pub struct List<'a, V>(pub &'a [V]);

impl<V: Value> Value for List<'_, V> {
    fn put_value(&self, buf: &mut Vec<u8>) {
        buf.push(b'[');
        for (index, value) in self.0.iter().enumerate() {
            if index > 0 {
                buf.push(b',');
            }
            value.put_value(buf);
        }
        buf.push(b']');
    }
}
