// golive:vercel:Site — the Vercel side of the go-live: the project linked to the site's Git
// repository, its production environment variables (P-05), the production deployment of the
// frozen ref (MEP-02/MEP-04) and both domains (MEP-05), www serving and the apex redirecting (MEP-10).
import * as pulumi from "@pulumi/pulumi";
import * as vercel from "@pulumiverse/vercel";

export interface VercelSiteArgs {
    projectName: pulumi.Input<string>;
    framework?: pulumi.Input<string>;
    /** Passed through to vercel.Project: `{ type, repo, productionBranch }`. */
    gitRepository: vercel.ProjectArgs["gitRepository"];
    /** MEP-02: commit SHA or tag built and promoted to production. */
    releaseRef: pulumi.Input<string>;
    /** MEP-02: pushes to the production branch are not deployed while true (lifted after the go-live). */
    codeFreeze: pulumi.Input<boolean>;
    /** P-05: production variables; values must be secret Outputs. */
    envVars: ReadonlyArray<{ key: string; value: pulumi.Input<string> }>;
    /** The apex, e.g. example.com: redirects to `wwwDomain`. */
    apexDomain: string;
    /** www.<apex>: serves the site. */
    wwwDomain: string;
    /** MEP-10: 308 or 301 (validated by config/config). */
    redirectStatus: pulumi.Input<301 | 308>;
    /** MEP-04: the bound on the wait for the build (golive:buildTimeoutSeconds); the provider has none. */
    buildTimeoutSeconds?: number;
}

export class VercelSite extends pulumi.ComponentResource {
    public readonly project: vercel.Project;
    public readonly projectId: pulumi.Output<string>;
    public readonly envVars: vercel.ProjectEnvironmentVariable[];
    public readonly deployment: vercel.Deployment;
    public readonly deploymentId: pulumi.Output<string>;
    public readonly deploymentUrl: pulumi.Output<string>;
    public readonly wwwDomain: vercel.ProjectDomain;
    public readonly apexDomain: vercel.ProjectDomain;

    constructor(name: string, args: VercelSiteArgs, opts?: pulumi.ComponentResourceOptions) {
        super("golive:vercel:Site", name, {}, opts);
        const parent = { parent: this };

        this.project = new vercel.Project(
            `${name}-project`,
            {
                name: args.projectName,
                ...(args.framework ? { framework: args.framework } : {}),
                gitRepository: args.gitRepository,
                // MEP-02: while frozen, a push or merge to the production branch does not build and
                // promote over the pinned release; the program's own Deployment still deploys it.
                gitProviderOptions: { createDeployments: pulumi.output(args.codeFreeze).apply((frozen) => !frozen) },
            },
            parent,
        );
        this.projectId = this.project.id;

        // P-05: production only, sensitive (unreadable once set); the provider marks `value` secret too.
        this.envVars = args.envVars.map(
            (v) =>
                new vercel.ProjectEnvironmentVariable(
                    `${name}-env-${v.key}`,
                    {
                        projectId: this.project.id,
                        key: v.key,
                        value: pulumi.secret(v.value),
                        targets: ["production"],
                        sensitive: true,
                    },
                    parent,
                ),
        );

        // MEP-05: www serves; the apex redirects to it permanently (MEP-10). The redirect target
        // must already be a domain of the project, hence the dependency.
        this.wwwDomain = new vercel.ProjectDomain(`${name}-www`, { projectId: this.project.id, domain: args.wwwDomain }, parent);
        this.apexDomain = new vercel.ProjectDomain(
            `${name}-apex`,
            {
                projectId: this.project.id,
                domain: args.apexDomain,
                redirect: args.wwwDomain,
                redirectStatusCode: args.redirectStatus,
            },
            { ...parent, dependsOn: [this.wwwDomain] },
        );

        // MEP-04: the deployment resource waits for the build and fails `pulumi up` if it fails.
        // It depends on the variables so the build sees them, and on the domains so the production
        // aliases are assigned to it.
        this.deployment = new vercel.Deployment(
            `${name}-deployment`,
            { projectId: this.project.id, ref: args.releaseRef, production: true },
            {
                ...parent,
                dependsOn: [...this.envVars, this.wwwDomain, this.apexDomain],
                // The engine's bound on the step (Pulumi's customTimeouts); the guided command
                // watches the same bound and says what the build is doing meanwhile.
                ...(args.buildTimeoutSeconds ? { customTimeouts: { create: `${args.buildTimeoutSeconds}s`, update: `${args.buildTimeoutSeconds}s` } } : {}),
            },
        );
        this.deploymentId = this.deployment.id;
        this.deploymentUrl = this.deployment.url;

        this.registerOutputs({
            projectId: this.projectId,
            deploymentId: this.deploymentId,
            deploymentUrl: this.deploymentUrl,
        });
    }
}
