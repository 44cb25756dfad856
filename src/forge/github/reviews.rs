//! A pull request's reviews from GitHub, with whether each reviewer can push.
//!
//! GitHub counts a review toward required approvals only from someone with write access
//! to the base repository; on a public repository anyone can review. Each review carries
//! `author_association`:
//!
//! - `OWNER`: the repository's owner, who can push;
//! - `NONE`, `CONTRIBUTOR`, `FIRST_TIMER`, `FIRST_TIME_CONTRIBUTOR`, `MANNEQUIN`: no
//!   membership and no collaboration, so no write access;
//! - `MEMBER` (any member of the owning organization, whatever the organization's base
//!   permission) and `COLLABORATOR` (invited with any role, read and triage included) do
//!   not say whether the account can push, nor does a missing or unknown value: reltag
//!   asks `GET /repos/{owner}/{repo}/collaborators/{login}/permission` and counts
//!   `admin`, `maintain` and `write`.
//!
//! Only reviewers who approved or requested changes are asked about, once each.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{Client, Error, OwnerRepo, User, encode_segment};
use crate::forge::PullRequest;
use crate::rules::reviews::{Access, Review, ReviewState, Reviewer};

/// One review as `GET /repos/{owner}/{repo}/pulls/{n}/reviews` lists it.
#[derive(Debug, Clone, Deserialize)]
struct ApiReview {
    id: u64,
    /// `null` for a deleted account; absent is a malformed answer (the outer `None`):
    /// a review must never drop out of the count because a field is missing.
    #[serde(default, deserialize_with = "present")]
    user: Option<Option<User>>,
    state: String,
    commit_id: Option<String>,
    submitted_at: Option<String>,
    author_association: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ApiPermission {
    permission: Option<String>,
    role_name: Option<String>,
}

/// `Some(value)` for a field that is there, `null` included.
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

fn parse_state(state: &str) -> Option<ReviewState> {
    Some(match state {
        "APPROVED" => ReviewState::Approved,
        "CHANGES_REQUESTED" => ReviewState::ChangesRequested,
        "COMMENTED" => ReviewState::Commented,
        "DISMISSED" => ReviewState::Dismissed,
        "PENDING" => ReviewState::Pending,
        _ => return None,
    })
}

/// What `author_association` alone says about write access; `None` when GitHub must be asked.
fn access_by_association(association: Option<&str>) -> Option<Access> {
    match association? {
        "OWNER" => Some(Access::CanPush),
        other @ ("NONE"
        | "CONTRIBUTOR"
        | "FIRST_TIMER"
        | "FIRST_TIME_CONTRIBUTOR"
        | "MANNEQUIN") => Some(Access::CannotPush {
            why: format!("author_association {other}"),
        }),
        _ => None,
    }
}

/// Every review of `pr`, oldest first, each reviewer's access decided.
pub fn reviews(client: &Client, repo: &OwnerRepo, pr: &PullRequest) -> Result<Vec<Review>, Error> {
    let path = format!("{}/pulls/{}/reviews", repo.api_path(), pr.number);
    let listed: Vec<ApiReview> = client.list(&path, None)?.items;
    let mut states = Vec::with_capacity(listed.len());
    let mut users = Vec::with_capacity(listed.len());
    for review in &listed {
        let Some(user) = &review.user else {
            return Err(Error::Protocol(format!(
                "{path}: the review {} has no `user` field; reltag cannot tell whose it is",
                review.id
            )));
        };
        let state = parse_state(&review.state).ok_or_else(|| Error::UnknownReviewState {
            id: review.id,
            login: user
                .as_ref()
                .map_or_else(|| "ghost".to_string(), |u| u.login.clone()),
            state: review.state.clone(),
        })?;
        states.push(state);
        users.push(user.clone());
    }
    // The access of each reviewer whose word can count, asked once per login.
    let mut access: BTreeMap<String, Access> = BTreeMap::new();
    for ((review, state), user) in listed.iter().zip(&states).zip(&users) {
        let Some(user) = user else { continue };
        let counts = matches!(state, ReviewState::Approved | ReviewState::ChangesRequested);
        let key = user.login.to_ascii_lowercase();
        if !counts || user.login.eq_ignore_ascii_case(&pr.author) || access.contains_key(&key) {
            continue;
        }
        let decided = match access_by_association(review.author_association.as_deref()) {
            Some(known) => known,
            None => permission(client, repo, &user.login)?,
        };
        access.insert(key, decided);
    }
    Ok(listed
        .into_iter()
        .zip(states)
        .zip(users)
        .map(|((review, state), user)| Review {
            id: review.id,
            reviewer: user.map(|u| Reviewer {
                access: access
                    .get(&u.login.to_ascii_lowercase())
                    .cloned()
                    .unwrap_or(Access::Unknown),
                login: u.login,
            }),
            state,
            commit: review.commit_id,
            submitted_at: review.submitted_at,
        })
        .collect())
}

/// Whether `login` can push, from the collaborator-permission API (`role_name`, and the
/// legacy `permission` where maintain reads as write).
fn permission(client: &Client, repo: &OwnerRepo, login: &str) -> Result<Access, Error> {
    let path = format!(
        "{}/collaborators/{}/permission",
        repo.api_path(),
        encode_segment(login)
    );
    let answer: ApiPermission = client.get_json(&path)?;
    let role = answer.role_name.as_deref().or(answer.permission.as_deref());
    let Some(role) = role else {
        return Err(Error::Protocol(format!(
            "{path}: GitHub's answer names neither role_name nor permission for @{login}"
        )));
    };
    let can_push = |r: Option<&str>| matches!(r, Some("admin" | "maintain" | "write"));
    Ok(
        if can_push(answer.role_name.as_deref()) || can_push(answer.permission.as_deref()) {
            Access::CanPush
        } else {
            Access::CannotPush {
                why: format!("permission {role}"),
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn associations_that_settle_access_and_those_that_do_not() {
        assert_eq!(access_by_association(Some("OWNER")), Some(Access::CanPush));
        for outsider in [
            "NONE",
            "CONTRIBUTOR",
            "FIRST_TIMER",
            "FIRST_TIME_CONTRIBUTOR",
            "MANNEQUIN",
        ] {
            assert_eq!(
                access_by_association(Some(outsider)),
                Some(Access::CannotPush {
                    why: format!("author_association {outsider}")
                })
            );
        }
        for ask in [
            Some("MEMBER"),
            Some("COLLABORATOR"),
            Some("SOMETHING_NEW"),
            None,
        ] {
            assert_eq!(access_by_association(ask), None, "{ask:?}");
        }
    }

    #[test]
    fn a_deleted_account_is_null_and_a_missing_user_is_malformed() {
        let deleted: ApiReview = serde_json::from_str(
            r#"{"id": 1, "user": null, "state": "APPROVED", "commit_id": null, "submitted_at": null}"#,
        )
        .unwrap();
        assert!(matches!(deleted.user, Some(None)));
        let missing: ApiReview =
            serde_json::from_str(r#"{"id": 2, "state": "CHANGES_REQUESTED"}"#).unwrap();
        assert!(missing.user.is_none());
    }

    #[test]
    fn review_states() {
        assert_eq!(parse_state("APPROVED"), Some(ReviewState::Approved));
        assert_eq!(parse_state("APPROVED_WITH_SUGGESTIONS"), None);
    }
}
