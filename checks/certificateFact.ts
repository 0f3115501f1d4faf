// MEP-08 before hour H, as data: what prepare left of the site's certificate, and what that means
// for the cutover. No import: the guided commands' preview reads it without loading the SDK.

/** The certificate as prepare leaves it: the MEP-08 evidence before H. */
export interface CertificateFact {
    /**
     * issued: by DNS-01, before the switch; exists: Vercel already holds certificates covering the
     * names (GET /v8/certs), so none was ordered; pending: ordered, not issued yet (the records did
     * not resolve in time, Vercel had not issued, was rate-limited, or the order lapsed and was
     * placed again); refused: no certificate before the switch (the cutover
     * waits for it after the switch: a visitor-facing gap); not-ordered: golive:certificate.preIssue
     * is false (the same gap, chosen).
     */
    status: "issued" | "exists" | "pending" | "refused" | "not-ordered";
    names: string[];
    id?: string;
    issuedAt?: string;
    expiresAt?: string;
    via?: "dns-01";
    /** Vercel's last error code when it is pending (validation_running, too_many_requests, cert_order_not_found, …). */
    code?: string;
    reason: string;
    todo?: string;
}

/** Whether the site's certificate is there before the switch (served on the names, checked by MEP-08 pinned). */
export function certificateBeforeSwitch(c: Pick<CertificateFact, "status"> | undefined): boolean {
    return !!c && (c.status === "issued" || c.status === "exists");
}

/**
 * Whether the go-live goes on without a certificate before the switch, knowingly: Vercel refused to
 * pre-issue it, or pre-issuance is off. MEP-08 is then judged after the switch (a gap the preview
 * announces). A certificate still pending is not that: the cutover stops until it is issued.
 */
export function certificateAfterSwitch(c: Pick<CertificateFact, "status"> | undefined): boolean {
    return !!c && (c.status === "refused" || c.status === "not-ordered");
}

