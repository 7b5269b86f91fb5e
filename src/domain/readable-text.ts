/**
 * @module
 * Text an admin types for other admins to read (a token's name, a webhook's description, a reason): it must
 * read as what it is. Control and format characters (bidi overrides, zero-width marks), line and paragraph
 * separators, private-use and unassigned code points could make one text look like another or reorder what
 * surrounds it; every edge refuses them alike.
 */
export const unreadableCharacter = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cn}\p{Default_Ignorable_Code_Point}]/u;

export function hasUnreadableCharacters(text: string): boolean {
  return unreadableCharacter.test(text);
}
