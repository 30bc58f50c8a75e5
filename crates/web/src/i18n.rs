//! Translations: Fluent files for es-MX (the default) and en, compiled into the binary.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use std::sync::OnceLock;

/// The interface languages. Spanish (Mexico) is the first language of the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Es,
    En,
}

impl Lang {
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Es => "es-MX",
            Lang::En => "en",
        }
    }

    /// `es*` → Spanish, `en*` → English, anything else → none.
    /// The bare language code ("es" or "en"), as the baseline documents are keyed.
    pub fn tag_short(self) -> &'static str {
        match self {
            Lang::Es => "es",
            Lang::En => "en",
        }
    }

    pub fn from_tag(tag: &str) -> Option<Lang> {
        let t = tag.trim().to_ascii_lowercase();
        if t.starts_with("es") {
            Some(Lang::Es)
        } else if t.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The first supported language of an `Accept-Language` header, in the client's order.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut langs: Vec<(f32, &str)> = header
            .split(',')
            .map(|part| {
                let mut it = part.split(';');
                let tag = it.next().unwrap_or("").trim();
                let q = it
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.parse().ok())
                    .unwrap_or(1.0);
                (q, tag)
            })
            .collect();
        langs.sort_by(|a, b| b.0.total_cmp(&a.0));
        langs.into_iter().find_map(|(_, t)| Lang::from_tag(t))
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Es => Lang::En,
            Lang::En => Lang::Es,
        }
    }
}

pub const ES_FTL: &str = concat!(
    include_str!("../locales/es-MX/main.ftl"),
    "\n",
    include_str!("../locales/es-MX/assessments.ftl")
);
pub const EN_FTL: &str = concat!(
    include_str!("../locales/en/main.ftl"),
    "\n",
    include_str!("../locales/en/assessments.ftl")
);

type Bundle = FluentBundle<FluentResource>;

fn bundle(lang: Lang) -> &'static Bundle {
    static ES: OnceLock<Bundle> = OnceLock::new();
    static EN: OnceLock<Bundle> = OnceLock::new();
    let (cell, src) = match lang {
        Lang::Es => (&ES, ES_FTL),
        Lang::En => (&EN, EN_FTL),
    };
    cell.get_or_init(|| {
        let res = FluentResource::try_new(src.to_string())
            .expect("locale files parse (checked by a test)");
        let mut b =
            FluentBundle::new_concurrent(vec![lang.tag().parse().expect("valid language tag")]);
        // Without this, U+2068/U+2069 isolation marks land in the HTML and in API messages.
        b.set_use_isolating(false);
        b.add_resource(res)
            .expect("no duplicate message ids (checked by a test)");
        b
    })
}

/// The message `key` in `lang`, with arguments; the key itself if it is missing (a test
/// checks that every key used exists in both languages).
pub fn message(lang: Lang, key: &str, args: &[(&str, String)]) -> String {
    let b = bundle(lang);
    let Some(pattern) = b.get_message(key).and_then(|m| m.value()) else {
        return key.to_string();
    };
    let mut fargs = FluentArgs::new();
    for (k, v) in args {
        // Numbers go in as numbers so plural categories match.
        match v.parse::<f64>() {
            Ok(n) => fargs.set(*k, FluentValue::from(n)),
            Err(_) => fargs.set(*k, FluentValue::from(v.clone())),
        }
    }
    let mut errors = vec![];
    b.format_pattern(pattern, Some(&fargs), &mut errors)
        .into_owned()
}

/// Message ids defined in a Fluent source.
pub fn message_ids(src: &str) -> Vec<String> {
    src.lines()
        .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_alphabetic()))
        .filter_map(|l| l.split_once('=').map(|(k, _)| k.trim().to_string()))
        .collect()
}

/// A translator handed to templates: `{{ t.m("key") }}`.
#[derive(Debug, Clone, Copy)]
pub struct Tr {
    pub lang: Lang,
}

impl Tr {
    pub fn m(&self, key: &str) -> String {
        message(self.lang, key, &[])
    }

    pub fn m1(&self, key: &str, name: &str, value: impl ToString) -> String {
        message(self.lang, key, &[(name, value.to_string())])
    }

    /// A vocabulary label: `label("role", "officer")` is the message `role-officer`.
    pub fn label(&self, prefix: &str, value: &str) -> String {
        message(self.lang, &format!("{prefix}-{value}"), &[])
    }

    pub fn sector(&self, id: &str) -> String {
        centinela_core::sector::sector(id)
            .map(|s| s.name(self.lang.tag()).to_string())
            .unwrap_or_else(|| id.to_string())
    }

    pub fn tag(&self) -> &'static str {
        self.lang.tag()
    }

    pub fn is_es(&self) -> bool {
        self.lang == Lang::Es
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_define_the_same_keys() {
        let mut es = message_ids(ES_FTL);
        let mut en = message_ids(EN_FTL);
        es.sort();
        en.sort();
        assert_eq!(es, en);
        let mut dedup = es.clone();
        dedup.dedup();
        assert_eq!(dedup.len(), es.len(), "duplicate message ids");
        for k in &es {
            assert_ne!(message(Lang::Es, k, &[]), *k, "{k} renders in es-MX");
            assert_ne!(message(Lang::En, k, &[]), *k, "{k} renders in en");
        }
    }

    /// Every message a template or handler asks for exists (a missing one would render as
    /// its id).
    #[test]
    fn every_key_used_exists() {
        let ids = message_ids(ES_FTL);
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut missing = vec![];
        let mut scan = |text: &str, origin: &str| {
            for call in ["t.m(\"", "t.m1(\"", ".m(\"", "ApiError::bad_request(\""] {
                for part in text.split(call).skip(1) {
                    let key = part.split('"').next().unwrap_or("");
                    if !key.is_empty() && !ids.iter().any(|i| i == key) {
                        missing.push(format!("{origin}: {key}"));
                    }
                }
            }
            for part in text.split('"').skip(1).step_by(2) {
                if part.starts_with("err-") && !part.contains(' ') && !ids.iter().any(|i| i == part)
                {
                    missing.push(format!("{origin}: {part}"));
                }
            }
        };
        for dir in [
            "templates",
            "src",
            "src/pages",
            "src/api",
            "../core/src",
            "../incidents/src",
        ] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let path = entry.unwrap().path();
                if path.is_file() && !path.ends_with("i18n.rs") {
                    scan(
                        &std::fs::read_to_string(&path).unwrap(),
                        &path.display().to_string(),
                    );
                }
            }
        }
        // Vocabulary labels built from a prefix and a value.
        use centinela_core::constituency::*;
        use centinela_core::principal::Role;
        let labels = Criticality::ALL
            .iter()
            .map(|c| format!("crit-{c}"))
            .chain(GovernmentLevel::ALL.iter().map(|l| format!("level-{l}")))
            .chain(ContactKind::ALL.iter().map(|k| format!("contact-{k}")))
            .chain(NetworkKind::ALL.iter().map(|k| format!("net-{k}")))
            .chain(OfficerRole::ALL.iter().map(|r| format!("officer-{r}")))
            .chain(Role::ALL.iter().map(|r| format!("role-{r}")));
        for key in labels {
            if !ids.contains(&key) {
                missing.push(format!("label {key}"));
            }
        }
        assert!(missing.is_empty(), "missing messages: {missing:#?}");
    }

    #[test]
    fn negotiates_language() {
        let cases = [
            ("es-MX,es;q=0.9,en;q=0.8", Some(Lang::Es)),
            ("en-US,en;q=0.9", Some(Lang::En)),
            ("fr-FR, en;q=0.5", Some(Lang::En)),
            ("de;q=0.9, es;q=0.1", Some(Lang::Es)),
            ("en;q=0.2, es;q=0.8", Some(Lang::Es)),
            ("fr", None),
            ("", None),
        ];
        for (h, expected) in cases {
            assert_eq!(Lang::from_accept_language(h), expected, "{h}");
        }
    }

    #[test]
    fn no_isolation_marks() {
        let s = message(Lang::En, "err-too-long", &[("max", "20".into())]);
        assert!(s.contains("20") && !s.contains('\u{2068}'), "{s}");
    }
}
