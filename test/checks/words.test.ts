import { strict as assert } from "assert";
import { plural } from "../../checks/words";

describe("checks/words: counts read as words", () => {
    it("1 key page, 6 key pages, 0 analyses", () => {
        assert.equal(plural(1, "key page"), "1 key page");
        assert.equal(plural(6, "key page"), "6 key pages");
        assert.equal(plural(0, "PageSpeed analysis", "PageSpeed analyses"), "0 PageSpeed analyses");
    });
});
