/**
 * Links into a repository hosted on GitHub or GitLab. Their APIs give a compare or commit page;
 * the repository's web root is that URL without its page suffix, and a file line is
 * `{root}/{blob route}/{commit}/{path}#L{line}` (`blob` on GitHub, `-/blob` on GitLab).
 */
export function webRoot(pageUrl: string | undefined, pageSuffix: RegExp): { webUrl?: string } {
  if (!pageUrl || !/^https?:\/\//.test(pageUrl)) return {};
  const root = pageUrl.replace(pageSuffix, '');
  return root === pageUrl ? {} : { webUrl: root };
}

export function hostedFileLineUrl(webUrl: string, blobRoute: 'blob' | '-/blob'): (path: string, line: number, commitId: string) => string {
  return (path, line, commitId) => `${webUrl}/${blobRoute}/${commitId}/${path.split('/').map(encodeURIComponent).join('/')}#L${line}`;
}
