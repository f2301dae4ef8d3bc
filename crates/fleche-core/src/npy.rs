//! A numpy array as `np.save` writes it (`numpy/lib/_format_impl.py`,
//! format 1.0): the magic, a header dict padded to 64 bytes with room for
//! the first axis to grow, and the raw data in the array's own order (C,
//! or Fortran for an array that is Fortran- but not C-contiguous). Object
//! arrays are pickled by numpy; their bytes cannot be reproduced inertly.

use crate::numpy::{self, element_count};
use crate::value::{ArrayData, NdArray};
use thiserror::Error;

#[derive(Debug, Error, PartialEq)]
pub enum NpyError {
    #[error("an object array, which numpy saves as a pickle")]
    Objects,
    #[error("its dtype `{0}` has no fixed item size")]
    Dtype(String),
    #[error("its data does not fill its shape")]
    Mismatch,
}

const ARRAY_ALIGN: usize = 64;
const GROWTH_AXIS_MAX_DIGITS: usize = 21;

/// The bytes of `np.save(file, a)` for the array fleche loads.
pub fn to_npy(a: &NdArray) -> Result<Vec<u8>, NpyError> {
    let a = &*numpy::loaded(a);
    let ArrayData::Raw(raw) = &a.data else {
        return Err(NpyError::Objects);
    };
    if a.dtype.contains('O') {
        return Err(NpyError::Objects);
    }
    let itemsize = numpy::itemsize(&a.dtype).ok_or_else(|| NpyError::Dtype(a.dtype.clone()))?;
    let count = element_count(&a.shape).ok_or(NpyError::Mismatch)?;
    if count.checked_mul(itemsize) != Some(raw.len()) {
        return Err(NpyError::Mismatch);
    }
    // numpy's flags: C-contiguous unless two axes longer than one make the
    // Fortran layout differ (or the array is empty, which is both).
    let long_axes = a.shape.iter().filter(|&&n| n > 1).count();
    let fortran = a.fortran_order && long_axes > 1 && count > 0;
    // Otherwise both layouts are the same bytes: the data goes as stored.
    let data = raw;
    let shape = match a.shape.as_slice() {
        [one] => format!("({one},)"),
        dims => format!(
            "({})",
            dims.iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut header = format!(
        "{{'descr': '{}', 'fortran_order': {}, 'shape': {shape}, }}",
        a.dtype,
        if fortran { "True" } else { "False" }
    );
    if let Some(axis) = if fortran {
        a.shape.last()
    } else {
        a.shape.first()
    } {
        let digits = axis.to_string().len();
        header.push_str(&" ".repeat(GROWTH_AXIS_MAX_DIGITS.saturating_sub(digits)));
    }
    let hlen = header.len() + 1;
    let (version, len_bytes): (u8, usize) = if hlen + ARRAY_ALIGN < 65536 {
        (1, 2)
    } else {
        (2, 4)
    };
    let padlen = ARRAY_ALIGN - ((8 + len_bytes + hlen) % ARRAY_ALIGN);
    let mut out = Vec::with_capacity(8 + len_bytes + hlen + padlen + data.len());
    out.extend_from_slice(b"\x93NUMPY");
    out.extend_from_slice(&[version, 0]);
    let total = (hlen + padlen) as u32;
    if len_bytes == 2 {
        out.extend_from_slice(&(total as u16).to_le_bytes());
    } else {
        out.extend_from_slice(&total.to_le_bytes());
    }
    out.extend_from_slice(header.as_bytes());
    out.extend(std::iter::repeat_n(b' ', padlen));
    out.push(b'\n');
    out.extend_from_slice(data);
    Ok(out)
}
