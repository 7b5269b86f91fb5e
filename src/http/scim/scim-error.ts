/**
 * @module
 * SCIM's error answers (RFC 7644 3.12): `schemas` the Error URN, `status` as a string, a `scimType` where one
 * applies, and the stable Gatehouse code at the start of `detail`. Made from the same codes as every other
 * answer (domain/errors.ts), through the one mapping below; faults are INTERNAL with nothing from inside.
 */
import type { FastifyReply } from "fastify";
import { type ErrorCode, errorCodes } from "../../domain/errors.ts";
import { scimErrorSchema } from "../../domain/scim/scim-schemas.ts";

export const scimContentType = "application/scim+json; charset=utf-8";

/** RFC 7644 Table 9's scimType for each code that has one; every other code answers with its status alone. */
const scimTypes: Partial<Record<ErrorCode, string>> = {
  INVALID_FILTER: "invalidFilter",
  INVALID_PATH: "invalidPath",
  NO_TARGET: "noTarget",
  IMMUTABLE_ATTRIBUTE: "mutability",
  UNSUPPORTED_ATTRIBUTE: "invalidValue",
  VALIDATION_FAILED: "invalidValue",
  MALFORMED_BODY: "invalidSyntax",
  EMAIL_TAKEN: "uniqueness",
  EXTERNAL_ID_TAKEN: "uniqueness",
};

export interface ScimError {
  readonly schemas: readonly [typeof scimErrorSchema];
  readonly status: string;
  readonly scimType?: string;
  readonly detail: string;
}

const maxDetail = 1000;

export function scimError(code: ErrorCode, detail?: string): ScimError {
  const { status, title } = errorCodes[code];
  const scimType = scimTypes[code];
  const text = `${code}: ${title}${detail === undefined || detail === title ? "" : ` ${detail}`}`;
  return {
    schemas: [scimErrorSchema],
    status: String(status),
    ...(scimType === undefined ? {} : { scimType }),
    detail: text.length <= maxDetail ? text : `${text.slice(0, maxDetail - 1)}…`,
  };
}

export function sendScimError(reply: FastifyReply, code: ErrorCode, detail?: string): FastifyReply {
  return reply.code(errorCodes[code].status).type(scimContentType).send(scimError(code, detail));
}
