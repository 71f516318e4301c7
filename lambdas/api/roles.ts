/** Cognito groups, one per role. A token's role is its `cognito:groups` claim. */
export const ROLES = ['patient', 'clinician', 'therapist', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** Practitioner roles: the care team. */
export const CARE_TEAM: readonly Role[] = ['clinician', 'therapist'];
