// A replica of the vercel (5.4.1), cloudflare (6.22.1) and command (1.2.1) provider plugins, served
// to the real Pulumi engine over its gRPC provider protocol (@pulumi/pulumi/provider). The engine
// decides everything an engine decides (steps, replace order, retainOnDelete, import then update);
// this plugin answers as the real providers do for what the program uses:
// - which input changes replace and which update in place (real-engine.md item 3),
// - what an import's read returns (the live record, its inputs),
// - which outputs are secret (a Vercel env var's value) and which are computed (unknown in preview),
// and acts on the replica world through its service API (replica/control.ts), where the world's
// behaviour is defined once for the mock engine and the plugins alike.
import type * as provider from "@pulumi/pulumi/provider";
import { callControl, CONTROL_ENV } from "../control";
import { TYPES } from "../providers";
import { VERCEL_BUILD_LIMIT_MS, VERCEL_TYPES } from "../vercel";
import { runLocalCommand } from "../command";
import { inputProblems, SCHEMAS, TypeSchema, VERSIONS } from "../providerSchemas";
import { secretValue, UNKNOWN_VALUE, unwrapSecrets } from "../../shared/secretEnvelope";
import type { ProviderRequest } from "../providerApi";

/** Secrets unwrapped, deeply: what the provider works with. */
const plain = (v: unknown): any => unwrapSecrets(v);

function containsUnknown(v: unknown): boolean {
    if (v === UNKNOWN_VALUE) return true;
    if (Array.isArray(v)) return v.some(containsUnknown);
    if (v && typeof v === "object") return Object.values(v).some(containsUnknown);
    return false;
}

function stable(v: unknown): string {
    return JSON.stringify(v ?? null, (_k, x) => (x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, x[k]])) : x));
}

function typeOf(urn: string): string {
    // urn:pulumi:<stack>::<project>::<parent types$>type::name
    const qualified = urn.split("::")[2] ?? "";
    return qualified.split("$").pop()!;
}

function nameOf(urn: string): string {
    return urn.split("::").slice(3).join("::");
}

/** The replica provider for one package (cloudflare, vercel or command). */
export class ReplicaProvider implements provider.Provider {
    readonly version: string;
    private readonly schemas: Record<string, TypeSchema>;

    constructor(private readonly pkg: string) {
        if (!SCHEMAS[pkg]) throw new Error(`no replica provider for ${pkg}`);
        this.version = VERSIONS[pkg];
        this.schemas = SCHEMAS[pkg];
    }

    private schemaOf(urn: string): TypeSchema {
        const type = typeOf(urn);
        const s = this.schemas[type];
        if (!s) throw new Error(`the replica ${this.pkg} provider does not implement ${type}: the program uses a resource the replica does not know`);
        return s;
    }

    private api<T>(path: "/resource" | "/invoke", body: unknown, timeoutMs?: number): Promise<T> {
        const url = process.env[CONTROL_ENV];
        if (!url) throw new Error(`${CONTROL_ENV} is not set: the replica ${this.pkg} provider has no world to act on`);
        return timeoutMs === undefined ? callControl<T>(url, path, body) : callControl<T>(url, path, body, timeoutMs);
    }

    /** A resource operation, through the world's handler (or run here for a local command). */
    private async act(req: ProviderRequest): Promise<{ id?: string; outputs?: Record<string, any> }> {
        if (req.type === "command:local:Command") return (await runLocalCommand(req)) ?? {};
        // A deployment's create is the provider's whole wait for the build (client/deployment.go polls
        // with no timeout of its own): the world's handler answers once Vercel's state says so, at
        // the latest by Vercel's 45-minute build limit.
        const building = req.type === VERCEL_TYPES.deployment && req.op === "create";
        return this.api("/resource", req, building ? VERCEL_BUILD_LIMIT_MS + 60_000 : undefined);
    }

    /**
     * The state the provider writes: defaults, the inputs, what it computed, and (an update) the
     * Optional+Computed values the program left unset, as they were; never a write-only input.
     */
    private outputsOf(schema: TypeSchema, inputs: Record<string, any>, outputs: Record<string, any> | undefined, olds?: Record<string, any>): Record<string, any> {
        const kept = Object.fromEntries((schema.keptWhenUnset ?? []).filter((k) => inputs[k] === undefined && olds?.[k] !== undefined).map((k) => [k, olds![k]]));
        const outs: Record<string, any> = { ...(schema.defaults ?? {}), ...kept, ...inputs, ...(outputs ?? {}) };
        for (const k of schema.writeOnly ?? []) delete outs[k];
        for (const k of schema.secretOutputs ?? []) if (outs[k] !== undefined) outs[k] = secretValue(outs[k]);
        return outs;
    }

    async check(urn: string, _olds: any, news: any): Promise<provider.CheckResult> {
        return { inputs: news, failures: inputProblems(this.schemaOf(urn), news) };
    }

    async diff(_id: string, _urn: string, olds: any, news: any): Promise<provider.DiffResult> {
        const schema = this.schemaOf(_urn);
        const changed = schema.inputs.filter((k) => {
            const [o, n] = [plain(olds[k]), plain(news[k])];
            if (containsUnknown(n)) return true;
            // Optional+Computed left unset: the provider plans what the resource holds.
            if (n === undefined && schema.keptWhenUnset?.includes(k)) return false;
            // An unset optional input equals the provider's default (e.g. deleteOnDestroy false).
            const dflt = schema.defaults?.[k];
            return stable(o ?? dflt) !== stable(n ?? dflt);
        });
        const replaces = changed.filter((k) => schema.replaces.includes(k));
        return { changes: changed.length > 0, ...(replaces.length > 0 ? { replaces } : {}), deleteBeforeReplace: false };
    }

    async create(urn: string, inputs: any): Promise<provider.CreateResult> {
        const schema = this.schemaOf(urn);
        const type = typeOf(urn);
        const done = await this.act({ op: "create", type, name: nameOf(urn), inputs: plain(inputs) });
        const id = done.id ?? `${nameOf(urn)}-${Date.now().toString(36)}`;
        return { id, outs: this.outputsOf(schema, inputs, done.outputs) };
    }

    async update(id: string, urn: string, olds: any, news: any): Promise<provider.UpdateResult> {
        const schema = this.schemaOf(urn);
        const type = typeOf(urn);
        const old = plain(olds);
        const done = await this.act({ op: "update", type, name: nameOf(urn), inputs: plain(news), id, olds: { key: urn, type, name: nameOf(urn), id, inputs: old, outputs: old } });
        return { outs: this.outputsOf(schema, news, { ...done.outputs }, old) };
    }

    async delete(id: string, urn: string, props: any): Promise<void> {
        const type = typeOf(urn);
        const old = plain(props);
        await this.act({ op: "delete", type, name: nameOf(urn), inputs: old, id, olds: { key: urn, type, name: nameOf(urn), id, inputs: old, outputs: old } });
    }

    /**
     * Read: an import (`<zoneId>/<recordId>` for a Cloudflare record) or a refresh. The live record
     * comes from the service API, and its inputs are returned so the engine can diff them against
     * the program's (import then update, since Pulumi 3.174).
     */
    async read(id: string, urn: string, props?: any): Promise<provider.ReadResult> {
        const type = typeOf(urn);
        if (type !== TYPES.dnsRecord) {
            // Refresh of the other resources: the replica keeps no state beyond what the engine has.
            return { id, props: props ?? {}, inputs: props ?? {} };
        }
        // The same read the mock engine makes: the world's handler answers with the live record. An
        // import passes `<zoneId>/<recordId>` as is; a refresh reads the state's record in the state's zone.
        const state = plain(props ?? {});
        const readId = typeof state.zoneId === "string" && state.zoneId !== "" && !id.includes("/") ? `${state.zoneId}/${id}` : id;
        const live = await this.api<{ id?: string; inputs?: Record<string, any>; outputs?: Record<string, any> } | null>("/resource", { op: "read", type, name: nameOf(urn), inputs: state, id: readId });
        // A record that does not exist (any more): the engine reads that as "gone".
        if (!live || !live.id) return { id: "", props: {} };
        const schema = this.schemaOf(urn);
        return { id: live.id, props: this.outputsOf(schema, live.inputs ?? {}, live.outputs), inputs: live.inputs ?? {} };
    }

    async invoke(token: string, inputs: any): Promise<provider.InvokeResult> {
        return { outputs: await this.api<Record<string, any>>("/invoke", { token, inputs: plain(inputs) }) };
    }
}
