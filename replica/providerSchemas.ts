// What the real vercel (5.4.1), cloudflare (6.22.1) and command (1.2.1) providers' schemas say about
// the resources the program uses: inputs, which changes replace (ForceNew / replaceOnChanges), what
// is required, secret outputs and defaults. One definition for the replica provider plugins the
// real engine loads and for the mock engine's replace decisions (replica/providers REPLACE_KEYS).

/** What the real provider's schema says about a resource type, as far as the program uses it. */
export interface TypeSchema {
    /** Input properties (what a diff compares). */
    inputs: string[];
    /** Inputs whose change forces a replacement (ForceNew / replaceOnChanges). */
    replaces: string[];
    /** Required inputs: a missing one is a check failure. */
    required: string[];
    /** Outputs the provider computes (not inputs): unknown at preview, then what the handler answers. */
    computed?: string[];
    /** Outputs the provider marks secret. */
    secretOutputs?: string[];
    /** Defaults the provider fills in. */
    defaults?: Record<string, unknown>;
}

export const SCHEMAS: Record<string, Record<string, TypeSchema>> = {
    cloudflare: {
        "cloudflare:index/dnsRecord:DnsRecord": {
            inputs: ["zoneId", "name", "type", "content", "data", "ttl", "proxied", "comment", "priority", "tags", "settings"],
            replaces: ["zoneId", "type"],
            required: ["zoneId", "name", "type", "ttl"],
            // Cloudflare answers an unset comment as "" and unset tags as []: neither is a change.
            defaults: { comment: "", tags: [] },
        },
    },
    vercel: {
        "vercel:index/project:Project": {
            inputs: ["name", "framework", "gitRepository", "gitProviderOptions", "teamId"],
            replaces: ["teamId"],
            required: ["name"],
        },
        "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable": {
            inputs: ["projectId", "key", "value", "targets", "sensitive", "teamId"],
            replaces: ["projectId", "teamId", "key", "sensitive", "targets"],
            required: ["projectId", "key", "value"],
            secretOutputs: ["value"],
        },
        "vercel:index/deployment:Deployment": {
            inputs: ["projectId", "ref", "production", "teamId", "files", "pathPrefix", "projectSettings", "environment", "deleteOnDestroy"],
            replaces: ["projectId", "ref", "production", "teamId", "files", "pathPrefix", "projectSettings", "environment"],
            required: ["projectId"],
            defaults: { production: false, deleteOnDestroy: false },
        },
        "vercel:index/projectDomain:ProjectDomain": {
            inputs: ["projectId", "domain", "redirect", "redirectStatusCode", "gitBranch", "teamId"],
            replaces: ["projectId", "domain", "teamId"],
            required: ["projectId", "domain"],
            // Whether the domain serves the project, and the challenge (a `_vercel` TXT) when it does not.
            computed: ["verified", "verifications"],
        },
    },
    command: {
        "command:local:Command": {
            inputs: ["create", "update", "delete", "interpreter", "environment", "dir", "triggers", "stdin", "logging", "addPreviousOutputInEnv"],
            // pulumi-command: a change of `triggers` replaces the command (it runs `create` again).
            replaces: ["triggers"],
            required: [],
        },
    },
};

export const VERSIONS: Record<string, string> = { cloudflare: "6.22.1", vercel: "5.4.1", command: "1.2.1" };
