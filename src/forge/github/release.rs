//! `[github] release = true`: a GitHub Release for a tag `cut` has pushed.

use serde::Deserialize;
use serde_json::json;

use super::{Client, Error, OwnerRepo, encode_segment};
use crate::forge::{NewRelease, ReleaseOutcome};

#[derive(Debug, Deserialize)]
struct ApiRelease {
    html_url: String,
}

#[derive(Debug, Deserialize)]
struct GitRef {
    object: GitObject,
}

#[derive(Debug, Deserialize)]
struct GitObject {
    sha: String,
    #[serde(rename = "type")]
    kind: String,
}

/// Creates the GitHub Release for `tag` with `notes` (markdown) as its body, once.
///
/// Call it after the annotated tag is pushed. It checks first that the remote's
/// `refs/tags/<tag>` is that annotated tag (`tag_object` is the tag object's id, as
/// `git rev-parse <tag>` prints it): given a missing tag, the API would create a
/// lightweight one. An existing release for the tag is not posted again
/// ([`ReleaseOutcome::Existing`]); a release created concurrently is treated the same.
pub fn create_release(
    client: &Client,
    repo: &OwnerRepo,
    release: &NewRelease<'_>,
) -> Result<ReleaseOutcome, Error> {
    let NewRelease {
        tag,
        tag_object,
        notes,
        prerelease,
    } = *release;
    let base = repo.api_path();
    let by_tag = format!("{base}/releases/tags/{}", encode_segment(tag));
    if let Some(existing) = client.get_json_optional::<ApiRelease>(&by_tag)? {
        return Ok(ReleaseOutcome::Existing {
            url: existing.html_url,
        });
    }
    let reference: Option<GitRef> =
        client.get_json_optional(&format!("{base}/git/ref/tags/{}", encode_segment(tag)))?;
    let Some(reference) = reference else {
        return Err(Error::Release(format!(
            "the tag {tag} is not on GitHub ({repo}): push it before creating the release"
        )));
    };
    if reference.object.kind != "tag" {
        return Err(Error::Release(format!(
            "the tag {tag} on GitHub is a lightweight tag (it points at a {}), not the annotated tag reltag made",
            reference.object.kind
        )));
    }
    if !reference.object.sha.eq_ignore_ascii_case(tag_object) {
        return Err(Error::Release(format!(
            "the tag {tag} on GitHub is the tag object {}, not {tag_object}: someone else pushed another tag of that name",
            reference.object.sha
        )));
    }
    let body = json!({
        "tag_name": tag,
        "name": tag,
        "body": notes,
        "draft": false,
        "prerelease": prerelease,
    });
    let response = client.post_json(&format!("{base}/releases"), &body)?;
    if response.is_success() {
        let created: ApiRelease =
            serde_json::from_slice(&response.body).map_err(|e| Error::Decode {
                url: format!("{base}/releases"),
                message: e.to_string(),
            })?;
        return Ok(ReleaseOutcome::Created {
            url: created.html_url,
        });
    }
    // 422 already_exists: another run made it between our GET and our POST.
    if response.status == 422
        && let Some(existing) = client.get_json_optional::<ApiRelease>(&by_tag)?
    {
        return Ok(ReleaseOutcome::Existing {
            url: existing.html_url,
        });
    }
    Err(Error::Status {
        url: format!("{base}/releases"),
        status: response.status,
        message: String::from_utf8_lossy(&response.body)
            .chars()
            .take(300)
            .collect(),
    })
}
