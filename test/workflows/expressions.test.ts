// The tests' evaluator of GitHub Actions expressions (test/helpers/workflowExpressions.ts) against
// the rules of docs.github.com "Evaluate expressions in workflows and actions": a runner that read
// an expression wrongly would run a workflow differently from GitHub.
import { strict as assert } from "assert";
import { condition, evaluateExpression as ev, evaluateValue, interpolate } from "../helpers/workflowExpressions";

const ctx = {
    github: { event_name: "pull_request", event: { pull_request: { number: 12, head: { repo: { full_name: "Agency/Sites" } } }, schedule: "17 * * * *" }, repository: "agency/sites" },
    inputs: { on_failure: "" },
    needs: { targets: { result: "success", outputs: { targets: '[{"stack":"prod","phase":"cutover"}]' } } },
    matrix: { stack: "prod" },
    secrets: { PASS: "s" },
    vars: {},
};

describe("workflow expressions (the tests' evaluator)", () => {
    it("contexts, properties (case-insensitive) and indexes; an unknown property is null, an unknown context an error", () => {
        assert.equal(ev("github.event.pull_request.number", ctx), 12);
        assert.equal(ev("GITHUB.EVENT_NAME", ctx), "pull_request");
        assert.equal(ev("github['event']['schedule']", ctx), "17 * * * *");
        assert.equal(ev("vars.PULUMI_BACKEND_URL", ctx), null);
        assert.throws(() => ev("nope.x", ctx), /unknown context nope/);
    });

    it("== compares strings without case, other types as numbers; || and && give an operand's value; ! negates truthiness", () => {
        assert.equal(ev("github.event.pull_request.head.repo.full_name == github.repository", ctx), true);
        assert.equal(ev("'1' == 1", ctx), true);
        assert.equal(ev("null == 0", ctx), true);
        assert.equal(ev("inputs.on_failure || 'stack-config'", ctx), "stack-config");
        assert.equal(ev("matrix.stack && 'yes'", ctx), "yes");
        assert.equal(ev("!inputs.on_failure", ctx), true);
        assert.equal(ev("needs.targets.outputs.targets != '[]'", ctx), true);
        assert.equal(ev("3 > 2 && 'b' < 'C'", ctx), true);
    });

    it("functions: fromJSON, toJSON, format, contains, startsWith, join; an unsupported one is refused", () => {
        assert.deepEqual(ev("fromJSON(needs.targets.outputs.targets)", ctx), [{ stack: "prod", phase: "cutover" }]);
        assert.equal(ev("format('golive-{0}-{1}', matrix.stack, 'read')", ctx), "golive-prod-read");
        assert.equal(ev("contains(fromJSON('[\"a\",\"b\"]'), 'B')", ctx), true);
        assert.equal(ev("startsWith('Pulumi.prod.yaml', 'pulumi.')", ctx), true);
        assert.equal(ev("join(fromJSON('[1,2]'), '+')", ctx), "1+2");
        assert.throws(() => ev("hashFiles('**/package-lock.json')", ctx), /hashFiles\(\) is not supported/);
    });

    it("interpolation writes values as text; a whole ${{ }} keeps its value (a matrix from fromJSON)", () => {
        assert.equal(interpolate("golive-${{ matrix.stack }}-read", ctx), "golive-prod-read");
        assert.equal(interpolate("x${{ vars.NONE }}y", ctx), "xy");
        assert.deepEqual(evaluateValue("${{ fromJSON(needs.targets.outputs.targets) }}", ctx), [{ stack: "prod", phase: "cutover" }]);
        assert.equal(evaluateValue("'it''s'", ctx), "'it''s'", "plain text is not an expression");
        assert.equal(ev("'it''s'", ctx), "it's");
    });

    it("if: without a status function it also needs success(); with always() or failure() it does not", () => {
        assert.equal(condition(undefined, ctx, { status: "failure" }), false);
        assert.equal(condition("matrix.stack == 'prod'", ctx, { status: "failure" }), false);
        assert.equal(condition("${{ matrix.stack == 'prod' }}", ctx), true);
        assert.equal(condition("always()", ctx, { status: "failure" }), true);
        assert.equal(condition("failure()", ctx, { status: "failure" }), true);
        assert.equal(condition("always() && needs.targets.result == 'success'", ctx, { status: "failure" }), true);
    });
});
