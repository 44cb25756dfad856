use super::{PromoteFacts, declare_rule};
use crate::policy::Policy;
use crate::report::Finding;

declare_rule! {
    /// ## What it checks
    /// Each `--artifact` carries the version in its name and the sha256 recorded for it.
    ///
    /// The digest recorded for that name when the version entered its first environment (or
    /// at its cut) must match. The first promotion records the digests; every later one
    /// compares. Once digests are recorded, a promotion must name the artifacts again.
    ///
    /// ## Why
    /// What reaches production must be the very bytes that were tested in staging, not a
    /// rebuild that "should be the same".
    ///
    /// ## Example
    /// `app-1.2.3.tar.gz` with sha256 `ab12…` went to staging; a different file of that
    /// name given to `promote --to prod` is refused.
    ///
    /// ## Configuration
    /// Always on when artifacts are given or recorded.
    ///
    /// ## How to fix
    /// Promote the artifact that was promoted to the first environment (download it from
    /// where that pipeline stored it); never rebuild a released version.
    pub struct PromoteArtifact { id: "promote-artifact", group: Promotion }
}

pub fn check(facts: &PromoteFacts, policy: &Policy, out: &mut Vec<Finding>) -> String {
    let version = facts.version;
    let version_text = policy
        .tag_format
        .version_text(version)
        .unwrap_or_else(|| version.to_string());
    let mut values = Vec::new();
    for artifact in facts.artifacts {
        let short = &artifact.sha256[..12];
        if !artifact.name.contains(&version_text) {
            out.push(
                Finding::error(
                    PromoteArtifact::ID,
                    facts.subject(),
                    format!(
                        "artifact {} does not carry the version {version_text} in its name",
                        artifact.name
                    ),
                )
                .with_hint(format!(
                    "name the file after the version, e.g. app-{version_text}.tar.gz"
                )),
            );
            values.push(format!(
                "{} sha256:{short} (name lacks {version_text})",
                artifact.name
            ));
            continue;
        }
        if facts.recorded_artifacts.is_empty() {
            values.push(format!("{} sha256:{short} (recorded now)", artifact.name));
            continue;
        }
        match facts
            .recorded_artifacts
            .iter()
            .find(|r| r.name == artifact.name)
        {
            Some(recorded) if recorded.sha256 == artifact.sha256 => {
                values.push(format!("{} sha256:{short} = recorded", artifact.name));
            }
            Some(recorded) => {
                out.push(
                    Finding::error(
                        PromoteArtifact::ID,
                        facts.subject(),
                        format!(
                            "artifact {} has sha256 {}, but {version} was recorded with {}: it is not the artifact that was promoted before",
                            artifact.name, artifact.sha256, recorded.sha256
                        ),
                    )
                    .with_hint("promote the exact file promoted to the first environment; never rebuild a released version"),
                );
                values.push(format!(
                    "{} sha256:{short} ≠ recorded {}",
                    artifact.name,
                    &recorded.sha256[..12]
                ));
            }
            None => {
                out.push(
                    Finding::error(
                        PromoteArtifact::ID,
                        facts.subject(),
                        format!("artifact {} was not recorded for {version} when it entered its first environment", artifact.name),
                    )
                    .with_hint(format!(
                        "the recorded artifacts are: {}",
                        facts.recorded_artifacts.iter().map(|a| a.name.as_str()).collect::<Vec<_>>().join(", ")
                    )),
                );
                values.push(format!("{} sha256:{short} (not recorded)", artifact.name));
            }
        }
    }
    if facts.artifacts.is_empty() {
        if facts.recorded_artifacts.is_empty() {
            return "no artifacts".into();
        }
        let names: Vec<&str> = facts
            .recorded_artifacts
            .iter()
            .map(|a| a.name.as_str())
            .collect();
        out.push(
            Finding::error(
                PromoteArtifact::ID,
                facts.subject(),
                format!(
                    "{version} has recorded artifacts ({}), and none was given to check",
                    names.join(", ")
                ),
            )
            .with_hint(format!(
                "pass each with --artifact FILE, e.g. --artifact {}",
                names[0]
            )),
        );
        return format!("recorded {}, none given", names.join(", "));
    }
    values.join("; ")
}
