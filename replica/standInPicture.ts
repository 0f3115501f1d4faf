// The PageSpeed stand-in's final screenshot (MEP-13, issue 26): Google answers each analysis with
// a picture of the page as Lighthouse last saw it (`audits["final-screenshot"].details`, `{ type:
// "screenshot", timing, timestamp, data }`, as lighthouse's core/audits/final-screenshot.js builds
// it; `data` a `data:image/jpeg;base64,` frame of the trace, core/computed/screenshots.js). The
// stand-in renders no page, so it answers a plain drawing of one, the size of Lighthouse's frame,
// encoded as a real PNG: the checks and the go-live page handle it as they would Google's.
import * as zlib from "zlib";

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
});

function crc32(buf: Buffer): number {
    let c = 0xffffffff;
    for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, "ascii");
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
    return Buffer.concat([head, data, crc]);
}

type Rgb = [number, number, number];

/** A wireframe of a page: a header band, a title bar and lines of text, on white. */
function pixelAt(x: number, y: number, w: number, h: number): Rgb {
    const header = Math.round(h * 0.1);
    if (y < header) return [0xb5, 0x83, 0x8d];
    const margin = Math.round(w * 0.08);
    if (x < margin || x >= w - margin) return [0xff, 0xff, 0xff];
    const title = header + Math.round(h * 0.05);
    if (y >= title && y < title + Math.round(h * 0.03) && x < w * 0.7) return [0x33, 0x33, 0x33];
    const line = Math.round(h * 0.035);
    const row = Math.floor((y - title) / line);
    const inRow = (y - title) % line;
    const lineEnd = w - margin - ((row * 37) % Math.round(w * 0.3));
    if (row >= 2 && row < 14 && inRow < Math.max(2, Math.round(line * 0.35)) && x < lineEnd) return [0xc8, 0xc8, 0xc8];
    return [0xff, 0xff, 0xff];
}

/** A PNG of `width`×`height` pixels (8-bit RGB). */
export function wireframePng(width: number, height: number): Buffer {
    const raw = Buffer.alloc((width * 3 + 1) * height);
    for (let y = 0; y < height; y++) {
        const row = y * (width * 3 + 1); // each row starts with filter type 0
        for (let x = 0; x < width; x++) raw.set(pixelAt(x, y, width, height), row + 1 + x * 3);
    }
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(width, 0);
    ihdr.writeUInt32BE(height, 4);
    ihdr.set([8, 2, 0, 0, 0], 8);
    return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), chunk("IDAT", zlib.deflateSync(raw)), chunk("IEND", Buffer.alloc(0))]);
}

const drawn = new Map<string, string>();

/** The final screenshot's data: URI for a strategy: Lighthouse's mobile frame is tall, desktop's wide. */
export function standInFinalScreenshot(strategy: string): string {
    // As Lighthouse 12 frames them here (a local run's final-screenshot: mobile 250×498, desktop 500×348).
    const [w, h] = strategy === "desktop" ? [500, 348] : [250, 498];
    const key = `${w}x${h}`;
    if (!drawn.has(key)) drawn.set(key, `data:image/png;base64,${wireframePng(w, h).toString("base64")}`);
    return drawn.get(key)!;
}
