// GitHub Actions' expression language (`${{ … }}`), as far as golive's workflows use it and a little
// beyond, for the tests that run the workflows against the replica: literals, contexts with property
// and index access (case-insensitive, as GitHub's), ! == != < <= > >= && ||, and the functions
// contains, startsWith, endsWith, format, join, toJSON, fromJSON, success, failure, always,
// cancelled. Anything else (hashFiles, object filters) is refused loudly, so a workflow that starts
// using it fails its test instead of being evaluated wrongly.
// Semantics from docs.github.com "Evaluate expressions in workflows and actions".

export type Value = null | boolean | number | string | Value[] | { [k: string]: Value };
export type Contexts = Record<string, Value>;
export interface EvalOptions {
    /** The job's status so far, for success(), failure(), cancelled(). */
    status?: "success" | "failure" | "cancelled";
}

type Token = { t: "num"; v: number } | { t: "str"; v: string } | { t: "id"; v: string } | { t: "op"; v: string };

function tokenize(src: string): Token[] {
    const out: Token[] = [];
    let i = 0;
    while (i < src.length) {
        const c = src[i];
        if (/\s/.test(c)) {
            i++;
            continue;
        }
        if (c === "'") {
            let s = "";
            i++;
            for (;;) {
                if (i >= src.length) throw new Error(`unterminated string in ${JSON.stringify(src)}`);
                if (src[i] === "'") {
                    if (src[i + 1] === "'") {
                        s += "'";
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                s += src[i++];
            }
            out.push({ t: "str", v: s });
            continue;
        }
        const two = src.slice(i, i + 2);
        if (["==", "!=", "<=", ">=", "&&", "||"].includes(two)) {
            out.push({ t: "op", v: two });
            i += 2;
            continue;
        }
        if ("!<>().[],".includes(c)) {
            out.push({ t: "op", v: c });
            i++;
            continue;
        }
        const num = /^-?(0x[0-9a-f]+|\d+(\.\d+)?(e[+-]?\d+)?)/i.exec(src.slice(i));
        if (num && (c !== "-" || /[\d]/.test(src[i + 1] ?? ""))) {
            out.push({ t: "num", v: Number(num[0]) });
            i += num[0].length;
            continue;
        }
        const id = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(src.slice(i));
        if (id) {
            out.push({ t: "id", v: id[0] });
            i += id[0].length;
            continue;
        }
        throw new Error(`unsupported character ${JSON.stringify(c)} in expression ${JSON.stringify(src)}`);
    }
    return out;
}

type Node =
    | { k: "lit"; v: Value }
    | { k: "ctx"; name: string }
    | { k: "get"; obj: Node; key: Node }
    | { k: "call"; name: string; args: Node[] }
    | { k: "not"; e: Node }
    | { k: "bin"; op: string; l: Node; r: Node };

function parse(src: string): Node {
    const toks = tokenize(src);
    let p = 0;
    const peek = () => toks[p];
    const isOp = (v: string) => peek()?.t === "op" && peek()!.v === v;
    const expect = (v: string) => {
        if (!isOp(v)) throw new Error(`expected ${v} in ${JSON.stringify(src)}`);
        p++;
    };
    const binary = (next: () => Node, ops: string[]) => (): Node => {
        let l = next();
        for (let tk = peek(); tk?.t === "op" && ops.includes(tk.v); tk = peek()) {
            p++;
            const op = tk.v;
            l = { k: "bin", op, l, r: next() };
        }
        return l;
    };
    const primary = (): Node => {
        const tk = toks[p++];
        if (!tk) throw new Error(`unexpected end of ${JSON.stringify(src)}`);
        if (tk.t === "num") return { k: "lit", v: tk.v };
        if (tk.t === "str") return { k: "lit", v: tk.v };
        if (tk.t === "op" && tk.v === "(") {
            const e = or();
            expect(")");
            return e;
        }
        if (tk.t === "id") {
            const low = tk.v.toLowerCase();
            if (low === "true" || low === "false") return { k: "lit", v: low === "true" };
            if (low === "null") return { k: "lit", v: null };
            if (isOp("(")) {
                p++;
                const args: Node[] = [];
                if (!isOp(")")) {
                    args.push(or());
                    while (isOp(",")) {
                        p++;
                        args.push(or());
                    }
                }
                expect(")");
                return { k: "call", name: tk.v, args };
            }
            return { k: "ctx", name: low };
        }
        throw new Error(`unexpected ${tk.v} in ${JSON.stringify(src)}`);
    };
    const postfix = (): Node => {
        let e = primary();
        for (;;) {
            if (isOp(".")) {
                p++;
                const id = toks[p++];
                if (id?.t !== "id") throw new Error(`expected a property name after . in ${JSON.stringify(src)} (object filters are not supported)`);
                e = { k: "get", obj: e, key: { k: "lit", v: id.v } };
            } else if (isOp("[")) {
                p++;
                const key = or();
                expect("]");
                e = { k: "get", obj: e, key };
            } else return e;
        }
    };
    const unary = (): Node => {
        if (isOp("!")) {
            p++;
            return { k: "not", e: unary() };
        }
        return postfix();
    };
    const cmp = binary(unary, ["<", "<=", ">", ">="]);
    const eq = binary(cmp, ["==", "!="]);
    const and = binary(eq, ["&&"]);
    const or = binary(and, ["||"]);
    const e = or();
    if (p !== toks.length) throw new Error(`unexpected ${toks[p].v} in ${JSON.stringify(src)}`);
    return e;
}

export function truthy(v: Value): boolean {
    return !(v === null || v === false || v === 0 || v === "" || (typeof v === "number" && Number.isNaN(v)));
}

function toNumber(v: Value): number {
    if (v === null) return 0;
    if (typeof v === "boolean") return v ? 1 : 0;
    if (typeof v === "number") return v;
    if (typeof v === "string") return v.trim() === "" ? 0 : Number(v);
    return NaN;
}

function equal(a: Value, b: Value): boolean {
    if (typeof a === "string" && typeof b === "string") return a.toLowerCase() === b.toLowerCase();
    if (a === null && b === null) return true;
    if (typeof a === typeof b && typeof a !== "object") return a === b;
    if (typeof a === "object" && typeof b === "object") return a === b;
    return toNumber(a) === toNumber(b);
}

/** A value as text, the way interpolation writes it. */
export function asString(v: Value): string {
    if (v === null) return "";
    if (typeof v === "boolean" || typeof v === "number") return String(v);
    if (typeof v === "string") return v;
    return JSON.stringify(v);
}

function property(obj: Value, key: Value): Value {
    if (obj === null || typeof obj !== "object") return null;
    if (Array.isArray(obj)) {
        const n = toNumber(key);
        return Number.isInteger(n) && n >= 0 && n < obj.length ? obj[n] : null;
    }
    const k = asString(key);
    if (k in obj) return obj[k];
    const found = Object.keys(obj).find((x) => x.toLowerCase() === k.toLowerCase());
    return found !== undefined ? obj[found] : null;
}

const STATUS_FUNCTIONS = ["success", "failure", "always", "cancelled"];

function evaluate(n: Node, ctx: Contexts, opts: EvalOptions): Value {
    switch (n.k) {
        case "lit":
            return n.v;
        case "ctx": {
            const found = Object.keys(ctx).find((k) => k.toLowerCase() === n.name);
            if (found === undefined) throw new Error(`unknown context ${n.name}`);
            return ctx[found];
        }
        case "get":
            return property(evaluate(n.obj, ctx, opts), evaluate(n.key, ctx, opts));
        case "not":
            return !truthy(evaluate(n.e, ctx, opts));
        case "bin": {
            if (n.op === "&&") {
                const l = evaluate(n.l, ctx, opts);
                return truthy(l) ? evaluate(n.r, ctx, opts) : l;
            }
            if (n.op === "||") {
                const l = evaluate(n.l, ctx, opts);
                return truthy(l) ? l : evaluate(n.r, ctx, opts);
            }
            const l = evaluate(n.l, ctx, opts);
            const r = evaluate(n.r, ctx, opts);
            if (n.op === "==") return equal(l, r);
            if (n.op === "!=") return !equal(l, r);
            const [a, b] = typeof l === "string" && typeof r === "string" ? [l.toLowerCase(), r.toLowerCase()] : [toNumber(l), toNumber(r)];
            return n.op === "<" ? a < b : n.op === "<=" ? a <= b : n.op === ">" ? a > b : a >= b;
        }
        case "call": {
            const a = n.args.map((x) => evaluate(x, ctx, opts));
            const status = opts.status ?? "success";
            switch (n.name.toLowerCase()) {
                case "success":
                    return status === "success";
                case "failure":
                    return status === "failure";
                case "cancelled":
                    return status === "cancelled";
                case "always":
                    return true;
                case "contains":
                    if (Array.isArray(a[0])) return a[0].some((x) => equal(x, a[1]));
                    return asString(a[0]).toLowerCase().includes(asString(a[1]).toLowerCase());
                case "startswith":
                    return asString(a[0]).toLowerCase().startsWith(asString(a[1]).toLowerCase());
                case "endswith":
                    return asString(a[0]).toLowerCase().endsWith(asString(a[1]).toLowerCase());
                case "format":
                    return asString(a[0]).replace(/\{(\d+)\}/g, (_, i) => asString(a[1 + Number(i)] ?? null));
                case "join":
                    return Array.isArray(a[0]) ? a[0].map(asString).join(a.length > 1 ? asString(a[1]) : ",") : asString(a[0]);
                case "tojson":
                    return JSON.stringify(a[0], null, 2);
                case "fromjson":
                    return JSON.parse(asString(a[0])) as Value;
                default:
                    throw new Error(`function ${n.name}() is not supported by the tests' expression evaluator`);
            }
        }
    }
}

/** Evaluates one expression (the text inside `${{ }}`). */
export function evaluateExpression(src: string, ctx: Contexts, opts: EvalOptions = {}): Value {
    return evaluate(parse(src), ctx, opts);
}

/** A string with `${{ }}` parts, as GitHub writes it: each part's value as text. */
export function interpolate(text: string, ctx: Contexts, opts: EvalOptions = {}): string {
    return text.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, e: string) => asString(evaluateExpression(e, ctx, opts)));
}

/** A value that may be one whole `${{ }}` (kept as its value: an object for fromJSON) or text around them. */
export function evaluateValue(raw: unknown, ctx: Contexts, opts: EvalOptions = {}): Value {
    if (typeof raw !== "string") return raw as Value;
    const whole = /^\s*\$\{\{([\s\S]*?)\}\}\s*$/.exec(raw);
    if (whole && !raw.slice(raw.indexOf("}}") + 2).includes("${{")) return evaluateExpression(whole[1], ctx, opts);
    return interpolate(raw, ctx, opts);
}

/**
 * An `if:` condition: with or without `${{ }}`; without a status function it means
 * `success() && (…)`, as GitHub reads it.
 */
export function condition(raw: unknown, ctx: Contexts, opts: EvalOptions = {}): boolean {
    if (raw === undefined || raw === null) return (opts.status ?? "success") === "success";
    if (typeof raw === "boolean") return raw && (opts.status ?? "success") === "success";
    let src = String(raw).trim();
    const whole = /^\$\{\{([\s\S]*)\}\}$/.exec(src);
    if (whole) src = whole[1];
    const usesStatus = STATUS_FUNCTIONS.some((f) => new RegExp(`\\b${f}\\s*\\(`, "i").test(src));
    const value = truthy(evaluateExpression(src, ctx, opts));
    return usesStatus ? value : value && (opts.status ?? "success") === "success";
}
