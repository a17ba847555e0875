// For `terraform test` where the provider mirror lacks hashicorp/random:
// rewrites the .tf files of one module directory (a scratch copy, never the
// repository) so each random_password becomes a terraform_data (built into
// Terraform) and `.result` its `.output`. The tests only plan with mocked
// providers, so the generated value never matters, only the wiring.
//   node lib/stub-random.mjs <module dir>
import fs from "node:fs";
import path from "node:path";

const dir = process.argv[2];
if (!dir) {
  console.error("usage: stub-random.mjs <module dir>");
  process.exit(2);
}
for (const f of fs.readdirSync(dir).filter((n) => n.endsWith(".tf"))) {
  const file = path.join(dir, f);
  const before = fs.readFileSync(file, "utf8");
  let text = before.replace(/resource "random_password" "(\w+)" \{\n([\s\S]*?)\n\}\n/g, (_, name, body) => {
    const forEach = body.match(/^\s*for_each\s*=.*$/m);
    return `resource "terraform_data" "${name}" {\n${forEach ? `${forEach[0]}\n` : ""}  input = "stub"\n}\n`;
  });
  text = text.replace(/random_password\.(\w+)(\[[^\]]*\])?\.result/g, "terraform_data.$1$2.output");
  text = text.replace(/\n\s*random = \{\n[\s\S]*?\n\s*\}\n/, "\n");
  if (text !== before) fs.writeFileSync(file, text);
}
