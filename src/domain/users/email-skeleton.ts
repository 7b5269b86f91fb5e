import unhomoglyph from "unhomoglyph";

const defaultIgnorable = /\p{Default_Ignorable_Code_Point}/gu;

/**
 * The UTS #39 confusable skeleton of an e-mail key (domain/users/email.ts): NFD, default-ignorable code points
 * removed, every character replaced by its prototype from Unicode's confusables.txt (the `unhomoglyph`
 * package ships that table, data version 13.0.0), NFD again. Two addresses with one skeleton look alike
 * (`pаypal@…` with a Cyrillic а, `bill1@…` and `billl@…`, `modern@…` and `rnodern@…`); the store keeps
 * skeletons unique, so the second is refused as a taken address. Not for display: `m` becomes `rn`.
 */
export function emailSkeleton(key: string): string {
  return unhomoglyph(key.normalize("NFD").replace(defaultIgnorable, "")).normalize("NFD");
}
