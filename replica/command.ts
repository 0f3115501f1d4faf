// The replica of @pulumi/command's local.Command (pulumi-command v1.2.1): it runs the local command
// for real, as the real provider does, so MEP-18's tag script acts on a real repository.
import type { ProviderRequest } from "./providerApi";

/**
 * What @pulumi/command's local.Command does: runs `create` (on create, and on update when its
 * triggers changed) through its interpreter with its environment, bounded in time; a non-zero
 * exit fails the step with the command's own message. It never runs `delete` unless declared.
 */
export async function runLocalCommand(req: ProviderRequest, timeoutMs = 30_000): Promise<{ id?: string; outputs?: Record<string, any> } | void> {
    const script = req.op === "delete" ? req.olds?.inputs.delete : req.inputs.create;
    if (typeof script !== "string" || script === "") return;
    const [shell, ...shellArgs] = (req.inputs.interpreter as string[] | undefined) ?? ["/bin/sh", "-c"];
    const { execFile } = await import("child_process");
    const env = { ...process.env, ...((req.inputs.environment as Record<string, string> | undefined) ?? {}) };
    const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) =>
        execFile(shell, [...shellArgs, script], { env, cwd: req.inputs.dir, timeout: timeoutMs }, (err, out, errOut) => {
            if (err) reject(new Error(`${String(errOut || out).trim() || err.message} (exit ${err.code ?? "?"})`));
            else resolve({ stdout: out, stderr: errOut });
        }),
    );
    return { id: req.olds?.id ?? `${req.name}-${Date.now().toString(36)}`, outputs: { stdout: stdout.trim(), stderr: stderr.trim() } };
}
