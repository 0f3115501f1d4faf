// What the real vercel (5.4.1), cloudflare (6.22.1) and command (1.2.1) providers' schemas say about
// the resources and data sources the program uses: inputs, which changes replace (ForceNew /
// replaceOnChanges), what is required, what an unset input means, secret outputs, what the provider
// computes, and what a data source answers. One definition for the replica provider plugins the
// real engine loads and for the mock engine's replace decisions (replica/providers REPLACE_KEYS).
//
// Upstream files each rule comes from (read at the tags behind the installed SDKs):
// - cloudflare: terraform-provider-cloudflare v5.19–v5.22 internal/services/dns_record/schema.go
//   (the resource), resource.go (create, import), list_data_source_schema.go, data_source_schema.go;
// - vercel: terraform-provider-vercel v5.4.1 vercel/resource_project.go, resource_deployment.go,
//   resource_project_domain.go, resource_project_environment_variable.go, data_source_domain_config.go;
// - command: pulumi-command v1.2.1 (sdk/nodejs/local/command.ts: replaceOnChanges ["triggers[*]"]).
// test/replica/providerSchemas.test.ts holds this table against the installed SDKs' .d.ts files.

/** What the real provider's schema says about a resource type, as far as the program uses it. */
export interface TypeSchema {
    /** Input properties (what a diff compares); each one exists in the SDK's `<Type>Args`. */
    inputs: string[];
    /** Inputs whose change forces a replacement (ForceNew / replaceOnChanges). */
    replaces: string[];
    /** Required inputs (exactly the SDK's non-optional Args): a missing one is a check failure. */
    required: string[];
    /** Groups of inputs of which exactly one must be set (the framework's ExactlyOneOf). */
    exactlyOneOf?: string[][];
    /** Groups of inputs of which at least one must be set (AtLeastOneOf). */
    atLeastOneOf?: string[][];
    /**
     * Optional+Computed inputs: left unset, the provider keeps what the resource holds (no diff,
     * and an update leaves it as it is).
     */
    keptWhenUnset?: string[];
    /** Write-only inputs: sent to the service, never stored in the state. */
    writeOnly?: string[];
    /** Outputs the provider marks secret. */
    secretOutputs?: string[];
    /** Defaults the provider fills in (an unset input equals its default). */
    defaults?: Record<string, unknown>;
    /** Outputs the provider computes besides `id` and the inputs it echoes: what the replica answers (unknown in preview). */
    computed: string[];
    /** For a list output: the fields of each item the replica answers. */
    items?: Record<string, string[]>;
}

/** What a data source takes and answers, as far as the program uses it. */
export interface InvokeSchema {
    /** Arguments the replica reads; each one exists in the SDK's `<Name>Args`. */
    args: string[];
    /** Fields the replica answers; each one exists in the SDK's `<Name>Result`. */
    results: string[];
    /** For a list field of the result: the fields of each item the replica answers. */
    items?: Record<string, string[]>;
}

export const SCHEMAS: Record<string, Record<string, TypeSchema>> = {
    cloudflare: {
        "cloudflare:index/dnsRecord:DnsRecord": {
            inputs: ["zoneId", "name", "type", "content", "data", "ttl", "proxied", "comment", "priority", "tags", "settings"],
            // dns_record/schema.go: zone_id and type are RequiresReplace; nothing else is.
            replaces: ["zoneId", "type"],
            required: ["zoneId", "name", "type", "ttl"],
            // dns_record/schema.go: content, tags and settings are Optional+Computed; an unset one is
            // planned from the state (custom.go ModifyPlan: a CAA's content computed from data is kept)
            // and left out of the request (apijson computed_optional), so the record keeps them.
            keptWhenUnset: ["content", "tags", "settings"],
            // Cloudflare answers an unset comment as "" and proxied defaults to false (booldefault).
            defaults: { comment: "", proxied: false },
            // content is computed for a CAA record (from data); tags and proxiable come from the API.
            computed: ["content", "tags", "proxiable"],
        },
    },
    vercel: {
        "vercel:index/project:Project": {
            inputs: ["name", "framework", "gitRepository", "gitProviderOptions", "teamId"],
            replaces: ["teamId"],
            // resource_project.go requires `name`, but the SDK auto-names it (Args.name is optional).
            required: [],
            keptWhenUnset: ["teamId"],
            computed: [],
        },
        "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable": {
            inputs: ["projectId", "key", "value", "valueWo", "targets", "customEnvironmentIds", "gitBranch", "sensitive", "comment", "teamId"],
            // resource_project_environment_variable.go: key, project_id, sensitive and
            // custom_environment_ids are RequiresReplace, team_id RequiresReplaceIfConfigured;
            // `target` has no RequiresReplace: a change of targets updates the variable in place.
            replaces: ["projectId", "teamId", "key", "sensitive", "customEnvironmentIds"],
            // `sensitive` is Required (since 4.8.0); `value` is Optional.
            required: ["projectId", "key", "sensitive"],
            // value / value_wo: ExactlyOneOf; target / custom_environment_ids: AtLeastOneOf.
            exactlyOneOf: [["value", "valueWo"]],
            atLeastOneOf: [["targets", "customEnvironmentIds"]],
            keptWhenUnset: ["targets", "customEnvironmentIds", "comment", "teamId"],
            writeOnly: ["valueWo"],
            secretOutputs: ["value"],
            computed: [],
        },
        "vercel:index/deployment:Deployment": {
            inputs: ["projectId", "ref", "production", "teamId", "files", "pathPrefix", "projectSettings", "environment", "meta", "customEnvironmentId", "deleteOnDestroy"],
            // resource_deployment.go: every input RequiresReplace except delete_on_destroy, and Update
            // copies only delete_on_destroy into the state (the deployment keeps its id and url).
            replaces: ["projectId", "ref", "production", "teamId", "files", "pathPrefix", "projectSettings", "environment", "meta", "customEnvironmentId"],
            required: ["projectId"],
            keptWhenUnset: ["teamId", "meta"],
            secretOutputs: ["environment"],
            defaults: { production: false, deleteOnDestroy: false },
            // `ref` is read back from the deployment's gitSource.ref (resource_deployment.go).
            computed: ["url", "domains", "ref"],
        },
        "vercel:index/projectDomain:ProjectDomain": {
            inputs: ["projectId", "domain", "redirect", "redirectStatusCode", "gitBranch", "teamId"],
            replaces: ["projectId", "domain", "teamId"],
            required: ["projectId", "domain"],
            keptWhenUnset: ["teamId"],
            // Whether the domain serves the project, and the challenge (a `_vercel` TXT) when it does not.
            computed: ["verified", "verifications"],
            items: { verifications: ["type", "domain", "value", "reason"] },
        },
    },
    command: {
        "command:local:Command": {
            inputs: ["create", "update", "delete", "interpreter", "environment", "dir", "triggers", "stdin", "logging", "addPreviousOutputInEnv"],
            // pulumi-command: a change of `triggers` replaces the command (it runs `create` again).
            replaces: ["triggers"],
            required: [],
            computed: ["stdout", "stderr"],
        },
    },
};

/** The data sources the program calls, by invoke token. */
export const INVOKES: Record<string, InvokeSchema> = {
    "cloudflare:index/getZone:getZone": {
        args: ["filter"],
        results: ["id", "zoneId", "name", "status", "nameServers"],
    },
    "cloudflare:index/getDnsRecord:getDnsRecord": {
        args: ["zoneId", "dnsRecordId"],
        results: ["id", "dnsRecordId", "zoneId", "name", "type", "content", "data", "ttl", "proxied", "comment", "tags"],
    },
    // list_data_source_schema.go: filters by type and name.exact; the `result` list's items.
    "cloudflare:index/getDnsRecords:getDnsRecords": {
        args: ["zoneId", "type", "name"],
        results: ["results"],
        items: { results: ["id", "name", "type", "content", "data", "ttl", "proxied", "comment", "tags"] },
    },
    // data_source_domain_config.go: the inputs echoed and the rank-1 recommendations, nothing else.
    "vercel:index/getDomainConfig:getDomainConfig": {
        args: ["domain", "projectIdOrName", "teamId"],
        results: ["domain", "projectIdOrName", "teamId", "recommendedCname", "recommendedIpv4s"],
    },
};

export const VERSIONS: Record<string, string> = { cloudflare: "6.22.1", vercel: "5.4.1", command: "1.2.1" };

const isSet = (v: unknown) => v !== undefined && v !== null;

/**
 * What the provider's check (and the framework's validators) refuse in `news`: a missing required
 * input, two or none of an exactly-one-of group, none of an at-least-one-of group. Messages as the
 * framework words them, with the SDK's property names.
 */
export function inputProblems(schema: TypeSchema, news: Record<string, unknown>): Array<{ property: string; reason: string }> {
    const out = schema.required.filter((k) => !isSet(news[k])).map((k) => ({ property: k, reason: `Missing required argument: ${k}` }));
    for (const group of schema.exactlyOneOf ?? []) {
        if (group.filter((k) => isSet(news[k])).length !== 1) out.push({ property: group[0], reason: `Exactly one of these attributes must be configured: [${group.join(",")}]` });
    }
    for (const group of schema.atLeastOneOf ?? []) {
        if (!group.some((k) => isSet(news[k]))) out.push({ property: group[0], reason: `At least one of these attributes must be configured: [${group.join(",")}]` });
    }
    return out;
}
