import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { addSecuredValues, securedValues } from "../../shared/stackFileSecrets";

describe("shared/stackFileSecrets: the secure values of a stack file", () => {
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "golive-secured-"))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("reads each secure value by key, nothing else; none from a file that is absent or not YAML", () => {
        const file = path.join(dir, "Pulumi.prod.yaml");
        fs.writeFileSync(file, "encryptionsalt: v1:abc\nconfig:\n  golive:domain: kalia.fr\n  vercel:apiToken:\n    secure: v1:TOKEN\n  golive:checks:\n    pages: []\n");
        assert.deepEqual(securedValues(file), { "vercel:apiToken": "v1:TOKEN" });
        assert.deepEqual(securedValues(path.join(dir, "absent.yaml")), {});
        fs.writeFileSync(file, "config: [\n");
        assert.deepEqual(securedValues(file), {});
    });

    it("writes secure values into the config, keeping the header and the other keys", () => {
        const file = path.join(dir, "Pulumi.prod.yaml");
        fs.writeFileSync(file, "encryptionsalt: v1:abc\nconfig:\n  golive:domain: kalia.fr\n");
        addSecuredValues(file, { "golive:envValues": "v1:ENV" });
        assert.match(fs.readFileSync(file, "utf8"), /^encryptionsalt: v1:abc$/m);
        assert.deepEqual(securedValues(file), { "golive:envValues": "v1:ENV" });
        assert.match(fs.readFileSync(file, "utf8"), /golive:domain: kalia\.fr/);
    });
});
