//! What a file's extension says about it, in one table: the language (where a stage
//! decides something by it), the info string a fenced snippet gets, how its comments
//! look, whether it is program source, and that it is a file extension at all (so a
//! token ending in it is a path). Every stage that looks at an extension reads it here.

use Comments::{CFamily, Prose, Unknown};
use Lang::{Go, JavaScript, Other, Python, PythonStub, Rust, Shell, Svelte, TypeScript, Vue};

/// The languages some stage treats specially; every other extension is [`Lang::Other`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    Rust,
    Python,
    /// `.pyi`: linted like Python, but holds no code that runs.
    PythonStub,
    Go,
    JavaScript,
    TypeScript,
    Vue,
    Svelte,
    /// POSIX-family shell scripts (what shellcheck reads).
    Shell,
    Other,
}

/// How comments look, for finding the TODO markers a change adds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Comments {
    /// Only `//` and `/*`: `;`, `#` and `--` are code there (`[&str; 4]`, `x--`).
    CFamily,
    /// Prose formats: only `<!--`, since `#` is a heading and `--` punctuation there.
    Prose,
    /// Not known: every common comment token counts.
    Unknown,
}

/// One row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FileType {
    /// Lowercase, without the dot.
    pub ext: &'static str,
    pub lang: Lang,
    /// The info string of a fenced snippet of such a file (`""`: none).
    pub fence: &'static str,
    pub comments: Comments,
    /// Program source: what the test-gap check expects tests for.
    pub program: bool,
}

const fn ft(
    ext: &'static str,
    lang: Lang,
    fence: &'static str,
    comments: Comments,
    program: bool,
) -> FileType {
    FileType {
        ext,
        lang,
        fence,
        comments,
        program,
    }
}

const fn known(ext: &'static str) -> FileType {
    ft(ext, Other, "", Unknown, false)
}

/// Every extension deep-review knows.
const FILE_TYPES: &[FileType] = &[
    ft("go", Go, "go", CFamily, true),
    ft("rs", Rust, "rust", CFamily, true),
    ft("py", Python, "python", Unknown, true),
    ft("pyi", PythonStub, "python", Unknown, false),
    ft("ts", TypeScript, "typescript", CFamily, true),
    ft("tsx", TypeScript, "typescript", CFamily, true),
    ft("js", JavaScript, "javascript", CFamily, true),
    ft("jsx", JavaScript, "javascript", CFamily, true),
    ft("mjs", JavaScript, "javascript", CFamily, true),
    ft("cjs", JavaScript, "javascript", CFamily, true),
    ft("java", Other, "java", CFamily, true),
    ft("kt", Other, "", CFamily, true),
    ft("kts", Other, "", Unknown, true),
    ft("swift", Other, "", CFamily, true),
    ft("c", Other, "c", CFamily, true),
    ft("h", Other, "c", CFamily, true),
    ft("cc", Other, "cpp", CFamily, true),
    ft("cpp", Other, "cpp", CFamily, true),
    ft("hpp", Other, "cpp", CFamily, true),
    ft("cxx", Other, "cpp", Unknown, true),
    ft("m", Other, "", Unknown, true),
    ft("mm", Other, "", Unknown, true),
    ft("cs", Other, "", CFamily, true),
    ft("rb", Other, "ruby", Unknown, true),
    ft("php", Other, "", Unknown, true),
    ft("scala", Other, "", CFamily, true),
    ft("ex", Other, "", Unknown, true),
    ft("exs", Other, "", Unknown, true),
    ft("hs", Other, "", Unknown, true),
    ft("dart", Other, "", CFamily, true),
    ft("vue", Vue, "", Unknown, false),
    ft("svelte", Svelte, "", Unknown, false),
    ft("sh", Shell, "bash", Unknown, false),
    ft("bash", Shell, "bash", Unknown, false),
    ft("yaml", Other, "yaml", Unknown, false),
    ft("yml", Other, "yaml", Unknown, false),
    ft("toml", Other, "toml", Unknown, false),
    ft("json", Other, "json", Unknown, false),
    ft("md", Other, "", Prose, false),
    ft("markdown", Other, "", Prose, false),
    ft("rst", Other, "", Prose, false),
    ft("txt", Other, "", Prose, false),
    ft("adoc", Other, "", Prose, false),
    ft("zig", Other, "", Unknown, true),
    ft("ksh", Shell, "", Unknown, false),
    ft("bats", Shell, "", Unknown, false),
    // Known as file extensions (a path ending in one is a path), nothing more.
    known("hh"),
    known("clj"),
    known("erl"),
    known("ml"),
    known("mli"),
    known("fs"),
    known("fsx"),
    known("lua"),
    known("pl"),
    known("pm"),
    known("r"),
    known("jl"),
    known("zsh"),
    known("fish"),
    known("ps1"),
    known("bat"),
    known("cmd"),
    known("sql"),
    known("graphql"),
    known("gql"),
    known("proto"),
    known("thrift"),
    known("json5"),
    known("jsonc"),
    known("xml"),
    known("html"),
    known("htm"),
    known("css"),
    known("scss"),
    known("sass"),
    known("less"),
    known("mdx"),
    known("cfg"),
    known("ini"),
    known("conf"),
    known("env"),
    known("lock"),
    known("gradle"),
    known("cmake"),
    known("mk"),
    known("make"),
    known("dockerfile"),
    known("tf"),
    known("tfvars"),
    known("hcl"),
    known("nix"),
    known("bzl"),
    known("bazel"),
    known("star"),
    known("nim"),
    known("sol"),
    known("ipynb"),
    known("csv"),
    known("tsv"),
    known("gitignore"),
    known("gitattributes"),
    known("dockerignore"),
    known("editorconfig"),
    known("mod"),
    known("sum"),
    known("tmpl"),
    known("tpl"),
    known("j2"),
    known("jinja"),
    known("hbs"),
    known("ejs"),
    known("erb"),
    known("svg"),
    known("sbt"),
    known("groovy"),
    known("pro"),
    known("cabal"),
    known("elm"),
    known("purs"),
    known("re"),
    known("res"),
    known("rei"),
    known("v"),
    known("sv"),
    known("vhd"),
    known("asm"),
    known("s"),
    known("wasm"),
    known("wat"),
    known("patch"),
    known("diff"),
    known("plist"),
    known("props"),
    known("csproj"),
    known("sln"),
    known("vcxproj"),
    known("xaml"),
    known("razor"),
    known("cshtml"),
    known("properties"),
    known("in"),
    known("ac"),
];

/// The row for extension `ext` (as given: lowercase it first where case does not
/// matter); `None` for an extension not in the table.
pub(crate) fn file_type(ext: &str) -> Option<&'static FileType> {
    FILE_TYPES.iter().find(|t| t.ext == ext)
}

/// The extension of the file `path` names, without the dot; `""` when it has none
/// (`Makefile`) or the name only starts with a dot (`.bashrc`).
pub(crate) fn extension(path: &str) -> &str {
    let name = path.rsplit('/').next().unwrap_or(path);
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => ext,
        _ => "",
    }
}

/// The language of the file `path` names, by its extension (case as written);
/// [`Lang::Other`] when the table does not say.
pub(crate) fn lang_of(path: &str) -> Lang {
    file_type(extension(path)).map_or(Other, |t| t.lang)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_row_per_extension_lowercase() {
        for (i, t) in FILE_TYPES.iter().enumerate() {
            assert_eq!(t.ext, t.ext.to_ascii_lowercase(), "{}", t.ext);
            assert!(!t.ext.starts_with('.'), "{}", t.ext);
            assert!(
                FILE_TYPES[..i].iter().all(|u| u.ext != t.ext),
                "{} twice",
                t.ext
            );
        }
    }

    #[test]
    fn extensions_and_languages() {
        assert_eq!(extension("src/lib.rs"), "rs");
        assert_eq!(extension("a.b/Makefile"), "");
        assert_eq!(extension(".bashrc"), "");
        assert_eq!(extension("x.tar.gz"), "gz");
        assert_eq!(lang_of("web/app.tsx"), TypeScript);
        assert_eq!(lang_of("stubs/x.pyi"), PythonStub);
        assert_eq!(lang_of("run.ksh"), Shell);
        assert_eq!(lang_of("LIB.RS"), Other);
        assert_eq!(lang_of("notes"), Other);
        assert_eq!(file_type("md").map(|t| t.comments), Some(Prose));
        assert_eq!(file_type("kt").map(|t| t.comments), Some(CFamily));
        assert_eq!(file_type("cxx").map(|t| t.fence), Some("cpp"));
        assert_eq!(file_type("zig").map(|t| t.program), Some(true));
        assert_eq!(file_type("gitignore").map(|t| t.lang), Some(Other));
        assert_eq!(file_type("exe"), None);
    }
}
