// Knowledge-base pages (filled in by the knowledge work).
export const pages = [];
