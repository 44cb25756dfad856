//! The gates: which rules run at which point, in which order, over which input. A gate
//! takes facts gathered by a command and returns findings (or checks); it never reads
//! the repository or the network itself.
//!
//! This is the rule registry's wiring. Each gate is a table of [`Step`]s; a step names a
//! rule (its [`RuleInfo`]) and its `check` function, whose type is the gate's input — so a
//! rule declares its input by the facts its `check` takes, and the compiler refuses a
//! rule in a gate of another input. Gates run their steps in the declared order; a step
//! with `stop_if_found` ends the gate when it found something (one bad tag gets one
//! finding). [`all`] lists every gate, and a test fails when a rule of `rules::ALL` or a
//! release criterion is reachable from none.

pub mod commits;
pub mod pull_request;
pub mod push;
pub mod release;

use crate::git::CommitInfo;
use crate::policy::Policy;
use crate::policy::schema::Skippable;
use crate::report::{Check, Exempted, Finding, Report, RuleSet, Subject, Verdict};
use crate::rules::separation::SeparationFacts;
use crate::rules::{
    AuthorFacts, BranchFacts, ForgeAccount, MessageFacts, PromoteFacts, PullRequestFacts,
    RefPushFacts, RuleInfo, TagFacts, TagPlacementFacts, branch_name, branch_protected,
    commit_empty, commit_encoding, commit_jira, commit_subject, pr_approvals, pr_changes_requested,
    pr_code_owners, pr_gate_change, pr_jira_consistent, pr_path_approvals, pr_policy_change,
    promote_approvals, promote_artifact, promote_concurrent, promote_deployer, promote_emergency,
    promote_freeze, promote_from, promote_notice, promote_rolled_back, promote_soak,
    promote_version, promote_window, tag_format, tag_moved, tag_on_release_branch, tag_semver,
    tag_sequence,
};

/// One rule in a gate.
#[derive(Clone, Copy)]
pub struct Step<F> {
    pub rule: RuleInfo,
    pub check: F,
    /// End the gate when this step found something.
    pub stop_if_found: bool,
    /// The emergency procedure may skip it, when `[emergency] may_skip` lists this.
    pub skippable: Option<Skippable>,
}

const fn step<F>(rule: RuleInfo, check: F) -> Step<F> {
    Step {
        rule,
        check,
        stop_if_found: false,
        skippable: None,
    }
}

const fn stop<F>(rule: RuleInfo, check: F) -> Step<F> {
    Step {
        rule,
        check,
        stop_if_found: true,
        skippable: None,
    }
}

const fn skippable<F>(rule: RuleInfo, check: F, by: Skippable) -> Step<F> {
    Step {
        rule,
        check,
        stop_if_found: false,
        skippable: Some(by),
    }
}

/// A gate: a name, what one of its subjects is called, and its steps in order.
pub struct Gate<F: 'static> {
    pub name: &'static str,
    pub noun: (&'static str, &'static str),
    pub steps: &'static [Step<F>],
}

impl<F: Copy> Gate<F> {
    /// Runs the steps in order with `call` (which applies one check to the gate's facts).
    fn run(&self, out: &mut Vec<Finding>, mut call: impl FnMut(F, &mut Vec<Finding>)) {
        for step in self.steps {
            let before = out.len();
            call(step.check, out);
            if step.stop_if_found && out.len() > before {
                return;
            }
        }
    }
}

impl<F: Sync> RuleSet for Gate<F> {
    fn name(&self) -> &'static str {
        self.name
    }
    fn noun(&self) -> (&'static str, &'static str) {
        self.noun
    }
    fn rule_ids(&self) -> Vec<&'static str> {
        self.steps.iter().map(|s| s.rule.id).collect()
    }
}

/// A rule's check over one input. The facts type is the rule's declared input.
/// A message rule may name the exemption that let the message through (`commit-jira`).
pub type MessageCheck = fn(&MessageFacts<'_>, &Policy, &mut Vec<Finding>) -> Option<Exempted>;
pub type BranchCheck = fn(&BranchFacts<'_>, &Policy, &mut Vec<Finding>);
pub type TagCheck = fn(&TagFacts<'_>, &Policy, &mut Vec<Finding>);
/// A push rule may say why it let a ref through (`branch-protected` for a published branch).
pub type RefPushCheck = fn(&RefPushFacts<'_>, &Policy, &mut Vec<Finding>) -> Option<String>;
pub type TagPlacementCheck = fn(&TagPlacementFacts<'_>, &Policy, &mut Vec<Finding>);
pub type PullRequestCheck = fn(&PullRequestFacts<'_>, &Policy, &mut Vec<Finding>);
/// A promotion check: its findings go to `out`, its return value is what it saw.
pub type PromotionCheck = fn(&PromoteFacts<'_>, &Policy, &mut Vec<Finding>) -> String;
pub type SeparationCheck = fn(&SeparationFacts<'_>, &Policy, &mut Vec<Finding>) -> String;

/// The message rules, for one commit or message file. An empty message has no key and
/// no subject: one finding says it all.
pub static MESSAGE: Gate<MessageCheck> = Gate {
    name: "message",
    noun: ("message", "messages"),
    steps: &[
        step(
            commit_encoding::CommitEncoding::INFO,
            |facts, policy, out| {
                commit_encoding::check(facts, policy, out);
                None
            },
        ),
        stop(commit_empty::CommitEmpty::INFO, |facts, policy, out| {
            commit_empty::check(facts, policy, out);
            None
        }),
        step(commit_jira::CommitJira::INFO, commit_jira::check),
        step(commit_subject::CommitSubject::INFO, |facts, policy, out| {
            commit_subject::check(facts, policy, out);
            None
        }),
    ],
};

/// The branch rules, for one branch name.
pub static BRANCH: Gate<BranchCheck> = Gate {
    name: "branch",
    noun: ("branch", "branches"),
    steps: &[step(branch_name::BranchName::INFO, branch_name::check)],
};

/// The tag rules, for one tag name. Each later rule only speaks when the earlier ones
/// had nothing to say, so one bad tag gets one finding.
pub static TAG: Gate<TagCheck> = Gate {
    name: "tag",
    noun: ("tag", "tags"),
    steps: &[
        stop(tag_format::TagFormatRule::INFO, tag_format::check),
        stop(tag_semver::TagSemver::INFO, tag_semver::check),
        step(tag_sequence::TagSequence::INFO, tag_sequence::check),
    ],
};

/// A pushed branch ref (its name and commits go through `BRANCH` and `MESSAGE`).
pub static BRANCH_PUSH: Gate<RefPushCheck> = Gate {
    name: "branch-push",
    noun: ("pushed branch", "pushed branches"),
    steps: &[step(
        branch_protected::BranchProtected::INFO,
        branch_protected::check,
    )],
};

/// A pushed tag ref: an existing release tag never moves or goes.
pub static TAG_PUSH: Gate<RefPushCheck> = Gate {
    name: "tag-push",
    noun: ("pushed tag", "pushed tags"),
    steps: &[step(tag_moved::TagMoved::INFO, |facts, policy, out| {
        tag_moved::check(facts, policy, out);
        None
    })],
};

/// Where a pushed release tag points.
pub static TAG_PLACEMENT: Gate<TagPlacementCheck> = Gate {
    name: "tag-placement",
    noun: ("release tag", "release tags"),
    steps: &[step(
        tag_on_release_branch::TagOnReleaseBranch::INFO,
        tag_on_release_branch::check,
    )],
};

/// The pull-request rules, for `check pr` (its branch and commits go through `BRANCH` and
/// `MESSAGE`).
pub static PULL_REQUEST: Gate<PullRequestCheck> = Gate {
    name: "pull-request",
    noun: ("pull request", "pull requests"),
    steps: &[
        step(pr_approvals::PrApprovals::INFO, pr_approvals::check),
        step(
            pr_changes_requested::PrChangesRequested::INFO,
            pr_changes_requested::check,
        ),
        step(
            pr_policy_change::PrPolicyChange::INFO,
            pr_policy_change::check,
        ),
        step(pr_gate_change::PrGateChange::INFO, pr_gate_change::check),
        step(
            pr_jira_consistent::PrJiraConsistent::INFO,
            pr_jira_consistent::check,
        ),
        step(pr_code_owners::PrCodeOwners::INFO, pr_code_owners::check),
        step(
            pr_path_approvals::PrPathApprovals::INFO,
            pr_path_approvals::check,
        ),
    ],
};

/// The promotion rules, in the order a person would ask them. `schedule` and `rollback`
/// run some of them ([`promotion_checks`]).
pub static PROMOTION: Gate<PromotionCheck> = Gate {
    name: "promotion",
    noun: ("promotion", "promotions"),
    steps: &[
        step(
            promote_version::PromoteVersion::INFO,
            promote_version::check,
        ),
        skippable(
            promote_from::PromoteFrom::INFO,
            promote_from::check,
            Skippable::From,
        ),
        skippable(
            promote_soak::PromoteSoak::INFO,
            promote_soak::check,
            Skippable::Soak,
        ),
        skippable(
            promote_window::PromoteWindow::INFO,
            promote_window::check,
            Skippable::Windows,
        ),
        skippable(
            promote_freeze::PromoteFreeze::INFO,
            promote_freeze::check,
            Skippable::Freezes,
        ),
        skippable(
            promote_notice::PromoteNotice::INFO,
            promote_notice::check,
            Skippable::Notice,
        ),
        step(
            promote_approvals::PromoteApprovals::INFO,
            promote_approvals::check,
        ),
        step(
            promote_deployer::PromoteDeployer::INFO,
            promote_deployer::check,
        ),
        step(
            crate::rules::sod_two_roles::SodTwoRoles::INFO,
            crate::rules::sod_two_roles::check,
        ),
        step(
            crate::rules::sod_deploy_own_approval::SodDeployOwnApproval::INFO,
            crate::rules::sod_deploy_own_approval::check,
        ),
        step(
            crate::rules::sod_cut_approve::SodCutApprove::INFO,
            crate::rules::sod_cut_approve::check,
        ),
        step(
            crate::rules::sod_own_commits::SodOwnCommits::INFO,
            crate::rules::sod_own_commits::check,
        ),
        step(
            promote_artifact::PromoteArtifact::INFO,
            promote_artifact::check,
        ),
        step(
            promote_rolled_back::PromoteRolledBack::INFO,
            promote_rolled_back::check,
        ),
        step(
            promote_emergency::PromoteEmergency::INFO,
            promote_emergency::check,
        ),
    ],
};

/// The separation-of-duties rules `cut` runs over the release's roles, the approvals of
/// the commit being cut and the person cutting it ([`cut_separation`]); `promote` runs
/// them again in [`PROMOTION`] over the environment's roles and the recorded cut.
pub static CUT_SEPARATION: Gate<SeparationCheck> = Gate {
    name: "cut-separation",
    noun: ("cut", "cuts"),
    steps: &[
        step(
            crate::rules::sod_two_roles::SodTwoRoles::INFO,
            crate::rules::sod_two_roles::judge,
        ),
        step(
            crate::rules::sod_cut_approve::SodCutApprove::INFO,
            crate::rules::sod_cut_approve::judge,
        ),
        step(
            crate::rules::sod_own_commits::SodOwnCommits::INFO,
            crate::rules::sod_own_commits::judge,
        ),
    ],
};

/// The separation-of-duties checks of a cut: one [`Check`] per rule the policy's
/// `[separation]` forbids (none by default), on the version's tag.
pub fn cut_separation(facts: &SeparationFacts, policy: &Policy) -> Vec<Check> {
    CUT_SEPARATION
        .steps
        .iter()
        .filter(|step| separation_forbids(step.rule.id, policy) == Some(true))
        .map(|step| {
            let mut found = Vec::new();
            let value = (step.check)(facts, policy, &mut found);
            Check::new(step.rule.id, Some(facts.subject()), found).measured(value)
        })
        .collect()
}

/// Rules a command applies itself, at one point of its flow, with facts of their own
/// (phase 2 of the engine moves these decisions into library gates of their own).
pub struct Declared {
    pub name: &'static str,
    /// Who runs them, for the reader.
    pub run_by: &'static str,
    pub rules: &'static [RuleInfo],
}

/// `promote` and `rollback`, when recording: the environment still runs what the checks
/// saw (compare-and-swap on the ledger, `deploy::decide_and_record`).
pub static DEPLOY_RECORD: Declared = Declared {
    name: "deploy-record",
    run_by: "promote and rollback, when they record (deploy::decide_and_record)",
    rules: &[promote_concurrent::PromoteConcurrent::INFO],
};

/// `check pr`, after the pull-request gate: commits let through by a subject exemption
/// need a policy approver's review (`[pull_requests] subject_exemptions_need_approval`).
pub static SUBJECT_EXEMPTIONS: Declared = Declared {
    name: "subject-exemptions",
    run_by: "check pr, over the exemptions its commits used (subject_exemptions)",
    rules: &[crate::rules::pr_subject_exemption::PrSubjectExemption::INFO],
};

/// `check policy`: the policy file's own problems.
pub static POLICY: Declared = Declared {
    name: "policy",
    run_by: "check policy (and every command, which refuses a broken policy)",
    rules: &[crate::rules::PolicyRule::INFO],
};

/// `reltag test`: each scenario against what it expects (the scenarios themselves run
/// through the gates above).
pub static POLICY_TESTS: Declared = Declared {
    name: "policy-tests",
    run_by: "reltag test",
    rules: &[crate::rules::policy_test::PolicyTest::INFO],
};

/// `verify`: every event of the ledger's chain counts (signed by its actor's key, in
/// the role; `[ledger] require_signed`).
pub static LEDGER: Declared = Declared {
    name: "ledger",
    run_by: "verify, over every event of the chain (cli/verify.rs)",
    rules: &[crate::rules::ledger_signed::LedgerSigned::INFO],
};

/// One gate as the registry lists it: its name and rule ids, in order.
pub struct Listed {
    pub name: &'static str,
    pub rules: Vec<&'static str>,
}

/// Every gate, with its rules in order: what `reltag explain` could group by, and what
/// the registry test checks against `rules::ALL`.
pub fn all() -> Vec<Listed> {
    fn gate<F: Sync>(g: &Gate<F>) -> Listed {
        Listed {
            name: g.name,
            rules: g.rule_ids(),
        }
    }
    fn declared(d: &Declared) -> Listed {
        Listed {
            name: d.name,
            rules: d.rules.iter().map(|r| r.id).collect(),
        }
    }
    vec![
        gate(&MESSAGE),
        gate(&BRANCH),
        gate(&TAG),
        gate(&BRANCH_PUSH),
        gate(&TAG_PUSH),
        gate(&TAG_PLACEMENT),
        gate(&PULL_REQUEST),
        gate(&PROMOTION),
        gate(&CUT_SEPARATION),
        declared(&DEPLOY_RECORD),
        declared(&SUBJECT_EXEMPTIONS),
        declared(&release::RELEASE),
        release::criteria(),
        declared(&release::JIRA_KEYS),
        declared(&LEDGER),
        declared(&POLICY),
        declared(&POLICY_TESTS),
    ]
}

/// The message rules, for one commit or message file. Returns the exemption that let
/// the message through `commit-jira` without a key, if one did.
pub fn message(facts: &MessageFacts, policy: &Policy, out: &mut Vec<Finding>) -> Option<Exempted> {
    let mut exempted = None;
    MESSAGE.run(out, |check, out| {
        if let Some(e) = check(facts, policy, out) {
            exempted = Some(e);
        }
    });
    exempted
}

/// The branch rules, for one branch name.
pub fn branch(facts: &BranchFacts, policy: &Policy, out: &mut Vec<Finding>) {
    BRANCH.run(out, |check, out| check(facts, policy, out));
}

/// The tag rules, for one tag name.
pub fn tag(facts: &TagFacts, policy: &Policy, out: &mut Vec<Finding>) {
    TAG.run(out, |check, out| check(facts, policy, out));
}

/// A tag found in the repository or pushed, rather than named as a release: a release tag
/// goes through [`tag`]; any other tag (`deploy-marker`, the moving `v1`) is none of the
/// release rules' business unless `[tags] other = "refuse"`. Returns a note saying so for
/// another tag that was let through.
pub fn any_tag(facts: &TagFacts, policy: &Policy, out: &mut Vec<Finding>) -> Option<String> {
    if policy.is_release_tag(facts.name) {
        tag(facts, policy, out);
        return None;
    }
    let before = out.len();
    tag_format::check_other(facts, policy, out);
    (out.len() == before).then(|| tag_format::other_tag_note(facts.name, policy))
}

/// The rules for a pushed branch ref (its name and commits go through `BRANCH` and
/// `MESSAGE`). Returns a note when a protected branch may be created (its commits are
/// already published).
pub fn branch_push(
    facts: &RefPushFacts,
    policy: &Policy,
    out: &mut Vec<Finding>,
) -> Option<String> {
    let mut note = None;
    BRANCH_PUSH.run(out, |check, out| {
        if let Some(n) = check(facts, policy, out) {
            note = Some(n);
        }
    });
    note
}

/// The rules for a pushed tag ref.
pub fn tag_push(facts: &RefPushFacts, policy: &Policy, out: &mut Vec<Finding>) {
    TAG_PUSH.run(out, |check, out| {
        check(facts, policy, out);
    });
}

/// Where a pushed release tag points.
pub fn tag_placement(facts: &TagPlacementFacts, policy: &Policy, out: &mut Vec<Finding>) {
    TAG_PLACEMENT.run(out, |check, out| check(facts, policy, out));
}

/// What the policy's subject exemptions let into a pull request, for `check pr`.
pub fn subject_exemptions(
    facts: &crate::rules::pr_subject_exemption::SubjectExemptionFacts,
    policy: &Policy,
    out: &mut Vec<Finding>,
) {
    crate::rules::pr_subject_exemption::check(facts, policy, out);
}

/// The pull-request rules.
pub fn pull_request(facts: &PullRequestFacts, policy: &Policy, out: &mut Vec<Finding>) {
    PULL_REQUEST.run(out, |check, out| check(facts, policy, out));
}

/// The branch gate on one name, into the report (counted, tallied, streamed).
pub fn check_branch(name: &str, policy: &Policy, report: &mut Report) {
    report.checked().branches += 1;
    let mut out = Vec::new();
    branch(&BranchFacts { name }, policy, &mut out);
    report.ran(&BRANCH);
    report.findings(out);
}

/// The tag gate on one name against the other tags, into the report, as a push would
/// judge it: a release tag goes through `TAG`; another tag (`v1`, `deploy-marker`) only
/// through `[tags] other`, and the returned note says it was let through.
pub fn check_tag(
    name: &str,
    existing: &[String],
    policy: &Policy,
    report: &mut Report,
) -> Option<String> {
    report.checked().tags += 1;
    let mut out = Vec::new();
    let note = any_tag(&TagFacts { name, existing }, policy, &mut out);
    report.ran(&TAG);
    report.findings(out);
    note
}

/// The message gate on one commit read from git, into the report, its author as the
/// commit claims. `refname`: the ref being pushed or checked, which each finding names.
pub fn check_commit(
    commit: &CommitInfo,
    policy: &Policy,
    refname: Option<&str>,
    report: &mut Report,
) {
    check_commit_as(commit, ForgeAccount::NotAsked, policy, refname, report);
}

/// The message gate on one commit of a pull request: `login` is the forge's account for
/// its author (GitHub: the commit's `author.login`), `None` when the forge links none.
/// Only that account, never the commit's claim, can make the commit exempt by author.
pub fn check_forge_commit(
    commit: &CommitInfo,
    login: Option<&str>,
    policy: &Policy,
    refname: Option<&str>,
    report: &mut Report,
) {
    let account = login.map_or(ForgeAccount::Unlinked, ForgeAccount::Linked);
    check_commit_as(commit, account, policy, refname, report);
}

fn check_commit_as(
    commit: &CommitInfo,
    account: ForgeAccount,
    policy: &Policy,
    refname: Option<&str>,
    report: &mut Report,
) {
    judge_commit(commit, account, policy, refname).record(report);
}

/// What the message gate said of one commit, before it goes into a report: judged on
/// one thread, recorded on another (see [`commits`]).
#[derive(Debug, Default)]
pub struct CommitVerdict {
    pub findings: Vec<Finding>,
    pub exempted: Option<Exempted>,
}

impl CommitVerdict {
    /// Nothing to say: the commit passed without an exemption.
    pub fn is_clean(&self) -> bool {
        self.findings.is_empty() && self.exempted.is_none()
    }

    /// Counts the commit as checked and reports what was found.
    pub fn record(self, report: &mut Report) {
        report.checked().commits += 1;
        report.ran(&MESSAGE);
        report.findings(self.findings);
        if let Some(exempted) = self.exempted {
            report.exempt(exempted);
        }
    }
}

fn judge_commit(
    commit: &CommitInfo,
    account: ForgeAccount,
    policy: &Policy,
    refname: Option<&str>,
) -> CommitVerdict {
    let subject = Subject::Commit {
        id: commit.id.to_string(),
        summary: commit.summary(),
        refname: refname.map(str::to_string),
    };
    let facts = MessageFacts {
        subject: &subject,
        message: &commit.message,
        parent_count: Some(commit.parent_count),
        encoding: commit.encoding.as_deref(),
        author: commit.author.as_ref().map(|a| AuthorFacts {
            name: &a.name,
            email: &a.email,
            account,
        }),
    };
    let mut findings = Vec::new();
    let exempted = message(&facts, policy, &mut findings);
    CommitVerdict { findings, exempted }
}

/// The message gate on a message that is not a commit (yet), into the report.
pub fn check_message(facts: &MessageFacts, policy: &Policy, report: &mut Report) {
    let mut out = Vec::new();
    let exempted = message(facts, policy, &mut out);
    report.checked().messages += 1;
    report.ran(&MESSAGE);
    report.findings(out);
    if let Some(exempted) = exempted {
        report.exempt(exempted);
    }
}

/// The pull-request gate on one pull request, into the report: `pr-approvals` as its own
/// [`Check`] (the approvals of the head measured against `min_approvals`, its findings
/// kept with it), the other rules' findings streamed and tallied as for every gate.
pub fn check_pull_request(facts: &PullRequestFacts, policy: &Policy, report: &mut Report) {
    let mut out = Vec::new();
    pull_request(facts, policy, &mut out);
    let (approvals, rest): (Vec<Finding>, Vec<Finding>) = out
        .into_iter()
        .partition(|f| f.rule == pr_approvals::PrApprovals::ID);
    report.check(pull_request_approvals(facts, policy, approvals));
    report.ran(&PULL_REQUEST_TALLY);
    report.findings(rest);
}

/// `pr-approvals` as a check: measured, the approvals of the head (`2 (@ann, @bob)`);
/// threshold, `≥ min_approvals`.
fn pull_request_approvals(
    facts: &PullRequestFacts,
    policy: &Policy,
    findings: Vec<Finding>,
) -> Check {
    let approved = &facts.reviews.approved;
    let mut check = Check::new(
        pr_approvals::PrApprovals::ID,
        Some(facts.subject.clone()),
        findings,
    )
    .measured(if approved.is_empty() {
        "none".to_string()
    } else {
        format!("{} ({})", approved.len(), pr_approvals::logins(approved))
    });
    check.threshold = Some(format!("≥ {}", policy.file.pull_requests.min_approvals));
    check
}

/// The pull-request gate's rules but `pr-approvals` (its own check), tallied.
struct PullRequestTally;

static PULL_REQUEST_TALLY: PullRequestTally = PullRequestTally;

impl RuleSet for PullRequestTally {
    fn name(&self) -> &'static str {
        PULL_REQUEST.name
    }
    fn noun(&self) -> (&'static str, &'static str) {
        PULL_REQUEST.noun
    }
    fn rule_ids(&self) -> Vec<&'static str> {
        PULL_REQUEST
            .rule_ids()
            .into_iter()
            .filter(|id| *id != pr_approvals::PrApprovals::ID)
            .collect()
    }
}

/// Runs promotion steps in order, one [`Check`] each (on the version's tag), its
/// findings in the check. A step whose `Skippable` is listed in `[emergency] may_skip` is
/// skipped (and says so) when `facts.emergency`.
fn run_promotion(
    facts: &PromoteFacts,
    policy: &Policy,
    steps: impl Iterator<Item = &'static Step<PromotionCheck>>,
) -> Vec<Check> {
    let subject = Subject::Tag {
        name: facts.version.to_string(),
    };
    steps
        .map(|step| {
            let mut found = Vec::new();
            let value = (step.check)(facts, policy, &mut found);
            let skipped = facts.emergency
                && step
                    .skippable
                    .is_some_and(|s| policy.file.emergency.may_skip.contains(&s));
            let check = if skipped {
                Check::new(step.rule.id, Some(subject.clone()), Vec::new())
                    .verdict(Verdict::Skipped)
            } else {
                Check::new(step.rule.id, Some(subject.clone()), found)
            };
            check.measured(value)
        })
        .collect()
}

/// The promotion gate, every step: what `promote` asks. A separation-of-duties step runs
/// only when the policy forbids what it checks (`[separation]`; all allowed by default).
pub fn promote(facts: &PromoteFacts, policy: &Policy) -> Vec<Check> {
    run_promotion(
        facts,
        policy,
        PROMOTION
            .steps
            .iter()
            .filter(|step| separation_forbids(step.rule.id, policy).unwrap_or(true)),
    )
}

/// For a separation-of-duties rule, whether the policy forbids what it checks; `None`
/// for any other rule.
fn separation_forbids(rule: &str, policy: &Policy) -> Option<bool> {
    let separation = &policy.file.separation;
    let allowed = match rule {
        "sod-two-roles" => &separation.one_person_two_roles,
        "sod-deploy-own-approval" => &separation.deploy_own_approval,
        "sod-cut-approve" => &separation.cut_and_approve,
        "sod-own-commits" => &separation.approve_own_commits,
        _ => return None,
    };
    Some(!*allowed.get_ref())
}

/// Some steps of the promotion gate, in the order given and never skipped: what
/// `schedule` (window, freeze) and `rollback` (deployer, and window and freeze unless
/// `rollback_anytime`) ask.
pub fn promotion_checks(facts: &PromoteFacts, policy: &Policy, rules: &[&str]) -> Vec<Check> {
    debug_assert!(
        rules
            .iter()
            .all(|id| PROMOTION.steps.iter().any(|s| s.rule.id == *id)),
        "not promotion rules: {rules:?}"
    );
    let facts = PromoteFacts {
        emergency: false,
        ..*facts
    };
    run_promotion(
        &facts,
        policy,
        rules
            .iter()
            .filter_map(|id| PROMOTION.steps.iter().find(|s| s.rule.id == *id)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_rule_is_reachable_from_a_gate_and_every_gate_rule_is_registered() {
        let gates = all();
        let reachable: BTreeSet<&str> = gates.iter().flat_map(|g| g.rules.clone()).collect();
        for rule in crate::rules::ALL {
            assert!(
                reachable.contains(rule.id),
                "rule {} is reachable from no gate: add it to a gate in src/gates/",
                rule.id
            );
        }
        for id in &reachable {
            assert!(
                crate::rules::find(id).is_some(),
                "gate rule {id} is not in rules::ALL (reltag explain would not know it)"
            );
        }
        let names: BTreeSet<&str> = gates.iter().map(|g| g.name).collect();
        assert_eq!(names.len(), gates.len(), "gate names are unique");
    }

    #[test]
    fn gates_run_in_order_and_stop_where_declared() {
        let policy = Policy::default_policy();
        // Not a release version at all: tag-format speaks, the later tag rules do not.
        let mut out = Vec::new();
        tag(
            &TagFacts {
                name: "banana",
                existing: &[],
            },
            &policy,
            &mut out,
        );
        let rules: Vec<&str> = out.iter().map(|f| f.rule).collect();
        assert_eq!(rules, ["tag-format"]);
        // An empty message: commit-empty ends the gate before commit-jira.
        let subject = Subject::Repository;
        let mut out = Vec::new();
        message(
            &MessageFacts {
                subject: &subject,
                message: b"\n",
                parent_count: Some(1),
                encoding: None,
                author: None,
            },
            &policy,
            &mut out,
        );
        let rules: Vec<&str> = out.iter().map(|f| f.rule).collect();
        assert_eq!(rules, ["commit-empty"]);
    }
}
