import { useEffect } from 'react';

export const SITE_NAME = 'tierstack shop';

/** "MacBook Pro · tierstack shop"; the site name alone when there is no page title yet. */
export function pageTitle(title?: string | null): string {
  return title ? `${title} · ${SITE_NAME}` : SITE_NAME;
}

/** Sets document.title while the page is shown (tabs, history and bookmarks name the page). */
export function useTitle(title?: string | null): void {
  useEffect(() => {
    document.title = pageTitle(title);
  }, [title]);
}
