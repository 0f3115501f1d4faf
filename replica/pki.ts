// A throwaway certificate authority for the local replica and the tests: a CA, and leaf
// certificates for chosen names, validity windows and signers (to build expired, wrong-name and
// untrusted certificates on purpose).
import * as crypto from "crypto";
import forge from "node-forge";

export interface KeyPair {
    certPem: string;
    keyPem: string;
}

export interface LeafOptions {
    /** DNS names for subjectAltName; the first is also the CN. */
    names: string[];
    notBefore?: Date;
    notAfter?: Date;
    /** IP addresses for subjectAltName (e.g. 127.0.0.2). */
    ips?: string[];
}

const DAY = 86_400_000;

function newRsaKey(): { privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey; keyPem: string } {
    // Native keygen is ~100x faster than forge's pure-JS one.
    const { privateKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
    const keyPem = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
    const forgeKey = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
    return { privateKey: forgeKey, publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e), keyPem };
}

function serial(): string {
    // Positive, 16 bytes, first byte 0x40..0x7f: never a leading zero byte. (An odd-length hex
    // string starting with "0" gave forge a 0x00 prefix; a second zero byte made DER that OpenSSL
    // rejects as "illegal padding", and a CA `ca:` silently drops, so a whole replica was untrusted.)
    const bytes = crypto.randomBytes(16);
    bytes[0] = (bytes[0] & 0x3f) | 0x40;
    return bytes.toString("hex");
}

/** A self-signed CA certificate valid from yesterday for ten years. */
export function createCa(commonName = "golive rehearsal CA"): KeyPair {
    const { privateKey, publicKey, keyPem } = newRsaKey();
    const cert = forge.pki.createCertificate();
    cert.publicKey = publicKey;
    cert.serialNumber = serial();
    cert.validity.notBefore = new Date(Date.now() - DAY);
    cert.validity.notAfter = new Date(Date.now() + 3650 * DAY);
    const subject = [{ name: "commonName", value: commonName }, { name: "organizationName", value: "golive" }];
    cert.setSubject(subject);
    cert.setIssuer(subject);
    cert.setExtensions([
        { name: "basicConstraints", cA: true, critical: true },
        { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
        { name: "subjectKeyIdentifier" },
    ]);
    cert.sign(privateKey, forge.md.sha256.create());
    return { certPem: forge.pki.certificateToPem(cert), keyPem };
}

/** A server certificate for `names`, signed by `ca`. */
export function issueCertificate(ca: KeyPair, opts: LeafOptions): KeyPair {
    if (opts.names.length === 0) throw new Error("issueCertificate needs at least one name");
    const caCert = forge.pki.certificateFromPem(ca.certPem);
    const caKey = forge.pki.privateKeyFromPem(ca.keyPem);
    const { publicKey, keyPem } = newRsaKey();
    const cert = forge.pki.createCertificate();
    cert.publicKey = publicKey;
    cert.serialNumber = serial();
    cert.validity.notBefore = opts.notBefore ?? new Date(Date.now() - DAY);
    cert.validity.notAfter = opts.notAfter ?? new Date(Date.now() + 90 * DAY);
    cert.setSubject([{ name: "commonName", value: opts.names[0] }]);
    cert.setIssuer(caCert.subject.attributes);
    cert.setExtensions([
        { name: "basicConstraints", cA: false },
        { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
        { name: "extKeyUsage", serverAuth: true },
        {
            name: "subjectAltName",
            altNames: [
                ...opts.names.map((value) => ({ type: 2, value })),
                ...(opts.ips ?? []).map((ip) => ({ type: 7, ip })),
            ],
        },
    ]);
    cert.sign(caKey, forge.md.sha256.create());
    return { certPem: forge.pki.certificateToPem(cert), keyPem };
}
