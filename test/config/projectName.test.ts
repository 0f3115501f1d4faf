// golive:projectName follows the provider's rule (issue 19 item 1): 1–52 characters of [a-z0-9-]
// (terraform-provider-vercel v5.4.1 vercel/resource_project.go), refused at preview naming the
// key; the name derived from the domain fits it, stays readable and never changes for a domain.
import { strict as assert } from "assert";
import { ConfigError, parseConfig, PROJECT_NAME_MAX, projectNameOf, projectNameProblem } from "../../config/config";
import { prodConfig, rawFrom } from "../program/mocks";

const parse = (overrides: Record<string, unknown>) => parseConfig(rawFrom(prodConfig("adopt", overrides)));

describe("config/config golive:projectName: the Vercel provider's rule", () => {
    it("refuses a name with . or _ or upper case, longer than 52 characters, or with ---, naming the key", () => {
        for (const bad of ["kalia.studio", "kalia_studio", "Kalia", "a".repeat(53), "kalia---studio"]) {
            assert.throws(
                () => parse({ projectName: bad }),
                (err: Error) => err instanceof ConfigError && /^golive:projectName must be a Vercel project name: /.test(err.message) && err.message.includes(JSON.stringify(bad)),
                bad,
            );
        }
        assert.match(projectNameProblem("a".repeat(53)) ?? "", /1 to 52 characters \(it has 53\)/);
        for (const good of ["kalia", "a".repeat(52), "kalia-beauty-studio", "0-site"]) assert.equal(parse({ projectName: good }).vercel.projectName, good);
    });

    it("derives a name that fits from any valid domain: readable, stable, distinct", () => {
        assert.equal(projectNameOf("kaliabeautystudio.com"), "kaliabeautystudio-com");
        assert.equal(parse({ projectName: undefined }).vercel.projectName, "kaliabeautystudio-com");
        const long = `${"institut-de-beaute-".repeat(3)}kalia.studio.example.com`;
        const derived = projectNameOf(long);
        assert.equal(projectNameProblem(derived), undefined, derived);
        assert.equal(derived.length, PROJECT_NAME_MAX);
        assert.ok(derived.startsWith("institut-de-beaute-institut-de-beaute-"), derived);
        assert.equal(projectNameOf(long), derived, "the same domain always gives the same name");
        assert.notEqual(projectNameOf(long.replace("kalia", "kalib")), derived, "two long domains with the same start do not collide");
        assert.equal(parseConfig(rawFrom(prodConfig("adopt", { domain: long, projectName: undefined, liveRecords: {} }))).vercel.projectName, derived);
        // A label may hold --- (a valid domain), the derived name may not.
        assert.equal(projectNameProblem(projectNameOf("a---b.example.com")), undefined);
    });
});
