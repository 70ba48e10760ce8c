//! A column of the statistics model in the narrowest integer type that
//! holds its values: codes and flags in one byte, days since 1970 in two
//! (until 2059), amounts and list bitsets as wide as they need. A value
//! that does not fit widens the whole column once. A missing value is the
//! type's minimum (read back as `i64::MIN`, the model's `NULL`).

/// One cell type.
pub(crate) trait Cell: Copy + PartialEq + Send + Sync + 'static {
    /// The missing value.
    const NULL: Self;
    /// Bytes a cell takes.
    const BYTES: usize;
    /// The value as the model reads it (`NULL` excepted: see [`wide`]).
    fn raw(self) -> i64;
    /// The value, or `i64::MIN` for a missing one.
    fn wide(self) -> i64 {
        if self == Self::NULL {
            i64::MIN
        } else {
            self.raw()
        }
    }
    /// `v` in this type, if it fits (`i64::MIN` is the missing value).
    fn narrow(v: i64) -> Option<Self>;
    /// Appends its little-endian bytes.
    fn put(self, out: &mut Vec<u8>);
    /// The cell of its little-endian bytes ([`Cell::BYTES`] of them).
    fn of(b: &[u8]) -> Self;
}

macro_rules! cell {
    ($t:ty) => {
        impl Cell for $t {
            const NULL: Self = <$t>::MIN;
            const BYTES: usize = std::mem::size_of::<$t>();
            fn raw(self) -> i64 {
                i64::from(self)
            }
            fn narrow(v: i64) -> Option<Self> {
                if v == i64::MIN {
                    Some(Self::NULL)
                } else if v > i64::from(<$t>::MIN) && v <= i64::from(<$t>::MAX) {
                    <$t>::try_from(v).ok()
                } else {
                    None
                }
            }
            fn put(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            fn of(b: &[u8]) -> Self {
                <$t>::from_le_bytes(b.try_into().expect("a cell's bytes"))
            }
        }
    };
}
cell!(i8);
cell!(i16);
cell!(i32);
cell!(i64);

/// A column's cells.
#[derive(Debug, Clone)]
pub(crate) enum Column {
    /// One byte a cell.
    I8(Vec<i8>),
    /// Two bytes.
    I16(Vec<i16>),
    /// Four bytes.
    I32(Vec<i32>),
    /// Eight bytes.
    I64(Vec<i64>),
}

impl Default for Column {
    fn default() -> Self {
        Column::I8(Vec::new())
    }
}

/// Calls `$body` with `$v` bound to the column's cells, whatever their type.
macro_rules! with_cells {
    ($col:expr, $v:ident => $body:expr) => {
        match $col {
            Column::I8($v) => $body,
            Column::I16($v) => $body,
            Column::I32($v) => $body,
            Column::I64($v) => $body,
        }
    };
}
pub(crate) use with_cells;

impl Column {
    /// Bytes a cell takes.
    pub(crate) fn width(&self) -> usize {
        fn of<T: Cell>(_: &[T]) -> usize {
            T::BYTES
        }
        with_cells!(self, v => of(v))
    }

    /// Appends its cells' bytes, little-endian.
    pub(crate) fn put(&self, out: &mut Vec<u8>) {
        fn all<T: Cell>(v: &[T], out: &mut Vec<u8>) {
            out.reserve(v.len() * T::BYTES);
            for x in v {
                x.put(out);
            }
        }
        with_cells!(self, v => all(v, out))
    }

    /// The column of `width`-byte cells in `bytes`, if the width is one.
    pub(crate) fn from_bytes(width: usize, bytes: &[u8]) -> Option<Column> {
        fn all<T: Cell>(bytes: &[u8]) -> Vec<T> {
            bytes.chunks_exact(T::BYTES).map(T::of).collect()
        }
        Some(match width {
            1 => Column::I8(all(bytes)),
            2 => Column::I16(all(bytes)),
            4 => Column::I32(all(bytes)),
            8 => Column::I64(all(bytes)),
            _ => return None,
        })
    }

    /// The value of row `r` (`i64::MIN` when missing).
    pub(crate) fn get(&self, r: usize) -> i64 {
        with_cells!(self, v => v[r].wide())
    }

    /// Appends a value.
    pub(crate) fn push(&mut self, value: i64) {
        self.fit(value);
        with_cells!(self, v => v.push(Cell::narrow(value).expect("fits after widening")));
    }

    /// Sets row `r`.
    pub(crate) fn set(&mut self, r: usize, value: i64) {
        self.fit(value);
        with_cells!(self, v => v[r] = Cell::narrow(value).expect("fits after widening"));
    }

    /// Lets go of the room reserved beyond its cells.
    pub(crate) fn shrink(&mut self) {
        with_cells!(self, v => v.shrink_to_fit())
    }

    /// Bytes its cells take (what it holds, not what it reserved).
    pub(crate) fn bytes(&self) -> usize {
        fn of<T: Cell>(v: &Vec<T>) -> usize {
            v.capacity() * T::BYTES
        }
        with_cells!(self, v => of(v))
    }

    /// Widens the column until `value` fits.
    fn fit(&mut self, value: i64) {
        fn to<T: Cell>(from: impl Iterator<Item = i64>) -> Vec<T> {
            from.map(|x| T::narrow(x).expect("a wider type holds it"))
                .collect()
        }
        let fits = match self {
            Column::I8(_) => i8::narrow(value).is_some(),
            Column::I16(_) => i16::narrow(value).is_some(),
            Column::I32(_) => i32::narrow(value).is_some(),
            Column::I64(_) => true,
        };
        if fits {
            return;
        }
        let old: Vec<i64> = with_cells!(&*self, v => v.iter().map(|c| c.wide()).collect());
        *self = if i16::narrow(value).is_some() {
            Column::I16(to(old.into_iter()))
        } else if i32::narrow(value).is_some() {
            Column::I32(to(old.into_iter()))
        } else {
            Column::I64(old)
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_column_starts_in_a_byte_and_widens_only_as_far_as_a_value_needs() {
        let mut c = Column::default();
        for v in [0, 1, 127, -127, i64::MIN] {
            c.push(v);
        }
        assert!(matches!(c, Column::I8(_)));
        // A day since 1970 needs two bytes; every earlier value reads back.
        c.push(20_429);
        assert!(matches!(c, Column::I16(_)));
        assert_eq!(
            (0..6).map(|r| c.get(r)).collect::<Vec<_>>(),
            [0, 1, 127, -127, i64::MIN, 20_429]
        );
        // -128 is i8's missing value, so it takes two bytes too.
        let mut d = Column::default();
        d.push(-128);
        assert!(matches!(d, Column::I16(_)));
        assert_eq!(d.get(0), -128);
        // An amount in đồng takes eight; a set row widens as a push does.
        c.set(1, 5_000_000_000);
        assert!(matches!(c, Column::I64(_)));
        assert_eq!(c.get(1), 5_000_000_000);
        assert_eq!(c.get(4), i64::MIN, "missing stays missing");
        c.set(4, 3);
        assert_eq!(c.get(4), 3);
        let mut e = Column::default();
        e.push(70_000);
        assert!(matches!(e, Column::I32(_)));
        assert!(e.bytes() >= 4);
    }
}
