import { strict as assert } from "assert";
import { commentMarker, planFailedMarkdown, renderPlanComment, renderPlanMarkdown, runLinesMarkdown, type PlanReport } from "../../rendering/markdownSummary";
import { summarizePreview } from "../../operations/previewSummary";

const DNS = "cloudflare:index/dnsRecord:DnsRecord";
const www = { op: "update", urn: "urn:pulumi:prod::golive::golive:dns:Records$cloudflare:index/dnsRecord:DnsRecord::dns-www", type: DNS, custom: true, oldInputs: { name: "www.example.com", type: "A", content: "192.0.2.1", ttl: 60 }, newInputs: { name: "www.example.com", type: "A", content: "76.76.21.21", ttl: 60 } };

function plan(over: Partial<PlanReport> = {}): PlanReport {
    const summary = summarizePreview([www], { allowRecordReplace: false, switchesToVercel: true });
    return {
        stack: "prod",
        domain: "example.com",
        phase: "cutover",
        applied: { phase: "prepare", at: "2026-12-01T08:00:00.000Z", name: "update 4" },
        gates: [
            { id: "config", label: "stack config", ok: true, detail: "every golive: key is valid" },
            { id: "MEP-02", label: "release ref (code freeze)", ok: true, detail: "deploys v1.0.0 | pinned" },
        ],
        pending: [{ id: "P-01", label: "client approval", detail: "given at the apply" }],
        preview: { lines: ["  record changing in place: www.example.com (dns-www): content 192.0.2.1 → 76.76.21.21"], summary },
        notes: [],
        rollbackRule: "rolled back at once",
        environment: "golive-prod",
        ready: true,
        verdict: "Ready to apply",
        ...over,
    };
}

describe("rendering/markdownSummary: golive's summaries for a pull request and a CI run", () => {
    it("a stack's plan: verdict, what is applied now and who approves the apply, the gates (P-01 at the apply), what changes in place, R-1, and the plain output folded", () => {
        const md = renderPlanMarkdown(plan(), ["Gates:", "  ✓ stack config: every golive: key is valid"]);
        assert.match(md, /^### ✅ `prod` — example\.com: cutover ready to apply\n\nReady to apply\. Stack `prod`: applied now: \*\*prepare\*\* \(update 4\); the apply runs once a required reviewer of the GitHub environment `golive-prod` approves it\./);
        assert.match(md, /\| MEP-02 release ref \(code freeze\) \| ✅ met \| deploys v1\.0\.0 \\\| pinned \|/, "a | in a cell is escaped");
        assert.match(md, /\| P-01 client approval \| ⏳ at the apply \| given at the apply \|/);
        assert.match(md, /- 🔁 record changing in place: `www\.example\.com` \(dns-www\): content `192\.0\.2\.1` → `76\.76\.21\.21`/);
        assert.match(md, /\*\*If a check fails after the switch \(R-1\):\*\* rolled back at once/);
        assert.match(md, /<details><summary>golive plan, as printed<\/summary>\n\n```\nGates:\n {2}✓ stack config/);
    });

    it("a refused plan says so; a plan whose output holds backticks is fenced longer than them", () => {
        const md = renderPlanMarkdown(plan({ ready: false, verdict: "Refused: a gate is not met", preview: undefined, gates: [{ id: "P-05", label: "production variables", ok: false, detail: "golive:envValues.X has no value" }] }), ["a ``` b"]);
        assert.match(md, /^### ❌ `prod` — example\.com: cutover would be refused/);
        assert.match(md, /\| P-05 production variables \| ❌ not met \| golive:envValues\.X has no value \|/);
        assert.doesNotMatch(md, /What changes/);
        assert.match(md, /\n````\na ``` b\n````\n/);
    });

    it("the pull request's comment: the marker first, every stack's section in order, a line for a stack whose plan is missing, the run", () => {
        const body = renderPlanComment({
            marker: commentMarker("golive-plan"),
            sha: "0123456789abcdef0123",
            runUrl: "https://github.com/a/b/actions/runs/1/attempts/1",
            at: "2026-12-01T10:00:00.000Z",
            sections: [{ stack: "zeta", markdown: "### ✅ `zeta`\n" }, { stack: "alpha", markdown: "### ✅ `alpha`\n" }],
            targets: [{ stack: "alpha", phase: "cutover" }, { stack: "beta", phase: "prepare" }],
        });
        assert.ok(body.startsWith("<!-- golive:golive-plan -->\n## golive preview\n"));
        assert.ok(body.indexOf("`alpha`") < body.indexOf("`beta`") && body.indexOf("`beta`") < body.indexOf("`zeta`"));
        assert.match(body, /### ❌ `beta`: prepare — no preview\n\nThe plan job of this stack ended before it wrote its preview: see \[the run\]\(https:\/\/github\.com\/a\/b\/actions\/runs\/1\/attempts\/1\)\./);
        assert.match(body, /previewed at `0123456789ab`/);
        assert.match(body, /<sub>\[Run\]\(https:\/\/github\.com\/a\/b\/actions\/runs\/1\/attempts\/1\) · 2026-12-01T10:00:00\.000Z<\/sub>/);
    });

    it("a run with no record, and a plan that could not run, as Markdown: what they said, fenced", () => {
        assert.equal(runLinesMarkdown("golive cutover — stack prod", ["Gates:", "  ✗ P-01 client approval: missing"], 1), "# golive cutover — stack prod\n\nExit code 1: refused or failed; nothing was recorded.\n\n```\nGates:\n  ✗ P-01 client approval: missing\n```\n");
        assert.match(planFailedMarkdown("prod", ["golive plan: cannot select stack prod"]), /^### ❌ `prod` — the plan could not run\n\n```\ngolive plan: cannot select stack prod\n```/);
    });
});
