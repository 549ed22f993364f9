//! JSON with every string masked ([`to_masked_json`]). Masking the encoded text
//! afterwards is not enough: the encoding escapes quotes and line breaks, so
//! `api_key = "…"` in a reviewer's text reads `api_key = \"…\"` in JSON and no longer
//! looks like an assignment, and a key at the start of a line follows `\n`, a word
//! character, and loses its word boundary. Here each string is gathered whole,
//! decoded, masked by [`super::mask_secrets`] and only then written escaped.

use std::io;

use serde::Serialize;
use serde_json::ser::{CharEscape, CompactFormatter, Formatter, PrettyFormatter};

/// `value` as pretty JSON (as `serde_json::to_string_pretty` writes it), every string
/// in it (values and object keys) masked.
pub fn to_masked_json<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    let mut out = Vec::with_capacity(4096);
    write_masked_json(&mut out, value)?;
    // serde_json writes UTF-8 only; never panic if that ever changed.
    String::from_utf8(out).map_err(|e| serde::ser::Error::custom(e.to_string()))
}

/// [`to_masked_json`] written into `writer` as it is made.
pub fn write_masked_json<W: io::Write, T: Serialize + ?Sized>(
    writer: W,
    value: &T,
) -> serde_json::Result<()> {
    let formatter = Masking {
        pretty: PrettyFormatter::new(),
        string: Vec::new(),
        in_string: false,
    };
    value.serialize(&mut serde_json::Serializer::with_formatter(
        writer, formatter,
    ))
}

/// Pretty JSON whose strings are held back until they are whole: between
/// `begin_string` and `end_string` everything (fragments, escapes, and the digits of
/// a number used as a map key) goes to `string`, decoded.
struct Masking {
    pretty: PrettyFormatter<'static>,
    /// The string being gathered, while inside one (its buffer kept between strings).
    string: Vec<u8>,
    in_string: bool,
}

/// The numbers (and `bool`) a map key can be: written into the string being gathered
/// when inside one, else as usual.
macro_rules! scalar {
    ($($name:ident: $ty:ty),* $(,)?) => {$(
        fn $name<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: $ty) -> io::Result<()> {
            if self.in_string {
                CompactFormatter.$name(&mut self.string, value)
            } else {
                CompactFormatter.$name(writer, value)
            }
        }
    )*};
}

/// The layout of an array or object: the pretty formatter's.
macro_rules! layout {
    ($($name:ident $(($arg:ident: $ty:ty))?),* $(,)?) => {$(
        fn $name<W: ?Sized + io::Write>(&mut self, writer: &mut W $(, $arg: $ty)?) -> io::Result<()> {
            self.pretty.$name(writer $(, $arg)?)
        }
    )*};
}

impl Formatter for Masking {
    scalar!(
        write_bool: bool,
        write_i8: i8,
        write_i16: i16,
        write_i32: i32,
        write_i64: i64,
        write_i128: i128,
        write_u8: u8,
        write_u16: u16,
        write_u32: u32,
        write_u64: u64,
        write_u128: u128,
        write_f32: f32,
        write_f64: f64,
    );

    layout!(
        begin_array,
        end_array,
        begin_array_value(first: bool),
        end_array_value,
        begin_object,
        end_object,
        begin_object_key(first: bool),
        end_object_key,
        begin_object_value,
        end_object_value,
    );

    fn begin_string<W: ?Sized + io::Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.string.clear();
        self.in_string = true;
        Ok(())
    }

    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        if !self.in_string {
            return writer.write_all(fragment.as_bytes());
        }
        self.string.extend_from_slice(fragment.as_bytes());
        Ok(())
    }

    fn write_char_escape<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        escape: CharEscape,
    ) -> io::Result<()> {
        if !self.in_string {
            return CompactFormatter.write_char_escape(writer, escape);
        }
        self.string.push(match escape {
            CharEscape::Quote => b'"',
            CharEscape::ReverseSolidus => b'\\',
            CharEscape::Solidus => b'/',
            CharEscape::Backspace => b'\x08',
            CharEscape::FormFeed => b'\x0c',
            CharEscape::LineFeed => b'\n',
            CharEscape::CarriageReturn => b'\r',
            CharEscape::Tab => b'\t',
            CharEscape::AsciiControl(byte) => byte,
        });
        Ok(())
    }

    fn end_string<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.in_string = false;
        // Fragments are `str`s and escapes ASCII, so this is UTF-8.
        let text = std::str::from_utf8(&self.string).map_err(io::Error::other)?;
        let masked = super::mask_secrets(text);
        serde_json::to_writer(writer, masked.as_ref()).map_err(io::Error::other)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn strings_are_masked_before_they_are_escaped() {
        // Built at run time, so the repository holds no literal key.
        let value = ["q8Vt3Lp", "Z0rX7mK", "2wN5bY9", "cH4"].concat();
        let aws = format!("AKIA{}", "Q7XZ3M2KPLR5TWNB");
        let body = format!(
            "The line reads `api_key = \"{value}\"`.\n{aws} starts a line.\n```\nAPI_TOKEN={value}x\n```\n"
        );
        let mut keyed = BTreeMap::new();
        keyed.insert(7u32, body.clone());
        let json = to_masked_json(&serde_json::json!({
            "body": body,
            "list": [1, true, null, "plain"],
            "keyed": keyed,
        }))
        .unwrap();
        assert!(!json.contains(&value) && !json.contains(&aws), "{json}");
        assert!(json.contains(r#"api_key = \"q8Vt****\""#), "{json}");
        assert!(json.contains(r#"\nAKIA**** starts a line."#), "{json}");
        assert!(json.contains(r#""7": "#), "{json}");
        // The same layout as serde_json's own pretty printer, the strings aside.
        let plain = serde_json::json!({"a": [1, 2.5, "x\ty"], "b": {}, "c": []});
        assert_eq!(
            to_masked_json(&plain).unwrap(),
            serde_json::to_string_pretty(&plain).unwrap()
        );
        let back: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(back["list"][3], "plain");
    }
}
