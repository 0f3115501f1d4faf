// checks/net against hostile HTTP servers: every request ends within its timeout whatever the
// server does, says which call timed out after how long, and keeps at most 5 MB of an answer.
import { strict as assert } from "assert";
import { deadlineIn, describeError, httpRequest, httpRequestWithRetry, withinDeadline } from "../../checks/net";
import { startWorld, ReplicaWorld } from "../../replica/world";
import { HostileBehaviour, httpHead, startHostileServer, timeToVerdict, VERDICT_MARGIN_MS } from "../fixtures/hostileServers";

describe("checks/net against hostile servers (issue 9 items 5, 9)", () => {
    const TIMEOUT_MS = 1_000;

    const timedOut: [string, HostileBehaviour][] = [
        ["accepts and never answers", "silence"],
        ["trickles its answer a byte at a time (each byte resets an idle timeout)", "trickle"],
    ];
    for (const [name, behaviour] of timedOut) {
        it(`a server that ${name}: ends within the timeout, saying which call timed out after how long`, async () => {
            const server = await startHostileServer(behaviour, { prefix: httpHead(), after: "request", intervalMs: 50 });
            try {
                const { value: err, ms } = await timeToVerdict(() => httpRequest(`${server.url}/api?key=SECRET`, { timeoutMs: TIMEOUT_MS }).then(() => assert.fail("answered"), (e: Error) => e));
                assert.equal(describeError(err), `ETIMEDOUT: GET ${server.url}/api timed out after ${TIMEOUT_MS} ms (no complete answer)`);
                assert.doesNotMatch(describeError(err), /ERR_CANCELED|canceled|SECRET/);
                assert.ok(ms <= TIMEOUT_MS + VERDICT_MARGIN_MS, `verdict after ${ms} ms`);
            } finally {
                await server.close();
            }
        });
    }

    it("a TLS handshake that stalls: ends within the timeout", async () => {
        const server = await startHostileServer("stalled-handshake");
        try {
            const { value: err, ms } = await timeToVerdict(() => httpRequest(`https://127.0.0.1:${server.port}/`, { timeoutMs: TIMEOUT_MS }).then(() => assert.fail("answered"), (e: Error) => e));
            assert.match(describeError(err), /GET https:\/\/127\.0\.0\.1:\d+\/ timed out after 1000 ms/);
            assert.ok(ms <= TIMEOUT_MS + VERDICT_MARGIN_MS, `verdict after ${ms} ms`);
        } finally {
            await server.close();
        }
    });

    for (const behaviour of ["flood", "endless-line"] as const) {
        it(`a server that sends an endless answer (${behaviour}): refused past 5 MB, at once`, async () => {
            const server = await startHostileServer(behaviour, { prefix: httpHead(200, "text/html"), after: "request" });
            try {
                const { value: err, ms } = await timeToVerdict(() => httpRequest(`${server.url}/`, { timeoutMs: 10_000 }).then(() => assert.fail("answered"), (e: Error) => e));
                assert.match(describeError(err), /GET http:\/\/127\.0\.0\.1:\d+\/: the answer is larger than 5000000 bytes, the most a check accepts/);
                assert.ok(ms < 10_000, `verdict after ${ms} ms`);
            } finally {
                await server.close();
            }
        });
    }

    it("retries share the check's deadline: two attempts of 1 s each cannot exceed a 1.5 s deadline", async () => {
        const server = await startHostileServer("silence");
        try {
            const deadline = deadlineIn(1_500, "golive:test.timeoutSeconds");
            const { value: err, ms } = await timeToVerdict(() =>
                httpRequestWithRetry(`${server.url}/`, { timeoutMs: TIMEOUT_MS, attempts: 3 }, { deadline, call: "status call" }).then(() => assert.fail("answered"), (e: Error) => e),
            );
            assert.match(describeError(err), /status call \(GET http:\/\/127\.0\.0\.1:\d+\/\) (timed out after 1000 ms|ran out of time after \d+ ms: the deadline of 1\.5 s \(golive:test\.timeoutSeconds\) passed)/);
            assert.ok(ms <= 1_500 + VERDICT_MARGIN_MS, `verdict after ${ms} ms`);
        } finally {
            await server.close();
        }
    });

    it("withinDeadline ends work that no call bounds, naming the call in progress", async () => {
        const deadline = deadlineIn(300, "golive:test.timeoutSeconds");
        deadline.current = "a stuck step";
        const { value: err, ms } = await timeToVerdict(() => withinDeadline(deadline, () => new Promise<never>(() => undefined)).then(() => assert.fail("settled"), (e: Error) => e));
        assert.equal(err.message, "a stuck step ran out of time: the deadline of 0.3 s (golive:test.timeoutSeconds) passed");
        assert.ok(ms <= 300 + VERDICT_MARGIN_MS);
    });
});


describe("checks/net: what a failed name lookup says", () => {
    let world: ReplicaWorld;
    before(async () => (world = await startWorld({ pointAt: "new" })));
    after(() => world.close());
    afterEach(() => {
        world.dns.setSilent(false);
        world.pointAt("new");
    });

    it("a missing name is NXDOMAIN (not retried); a resolver that does not answer is said to be down (retried)", async () => {
        world.dns.remove(world.www);
        const missing = await httpRequest(`https://${world.www}/`, world.net).then(() => undefined, (e) => e as NodeJS.ErrnoException);
        assert.equal(missing?.code, "ENOTFOUND");
        assert.match(describeError(missing), new RegExp(`www\\.kaliabeautystudio\\.com does not exist on ${world.net.dnsServers![0]} \\(NXDOMAIN\\)`));

        world.pointAt("new");
        world.dns.setSilent(true);
        const net = { ...world.net, timeoutMs: 600, attempts: 1 };
        const dead = await httpRequest(`https://${world.www}/`, net).then(() => undefined, (e) => e as NodeJS.ErrnoException);
        assert.equal(dead?.code, "ETIMEOUT");
        assert.match(describeError(dead), /no answer from the DNS server .* for www\.kaliabeautystudio\.com \(ETIMEOUT\): the resolver is down or unreachable/);
        assert.doesNotMatch(describeError(dead), /does not exist|NXDOMAIN/);
        // A dead resolver is transient: the request is tried again (and the resolver is back).
        setTimeout(() => world.dns.setSilent(false), 700);
        const res = await httpRequestWithRetry(`https://${world.www}/`, { ...net, attempts: 3 });
        assert.equal(res.status, 200);
    });

    it("says which names a certificate covers when it does not cover the host", () => {
        const err = Object.assign(new Error("Hostname/IP does not match certificate's altnames: Host: www.example.com. is not in the cert's altnames: DNS:*.vercel.app, DNS:vercel.app"), { code: "ERR_TLS_CERT_ALTNAME_INVALID" });
        assert.equal(describeError(err), "ERR_TLS_CERT_ALTNAME_INVALID: certificate names [*.vercel.app, vercel.app] do not cover www.example.com");
    });
});
