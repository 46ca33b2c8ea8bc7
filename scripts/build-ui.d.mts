/** Builds the dashboard into outDir (default dist/ui); resolves to outDir. See build-ui.mjs. */
export function buildUi(options?: { outDir?: string; minify?: boolean }): Promise<string>;
