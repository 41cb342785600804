/** Removes compiled `.js` and `.js.map` files under `outDir` (default `root/dist`) whose `.ts` source is gone; returns them, relative to `root`. */
export function pruneStaleBuildOutput(root: string, outDir?: string): string[];
