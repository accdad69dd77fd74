// Analytics pages (filled in by the analytics work).
export const pages = [];
