// The staff directory: the people of a business who take transfers, receive staff alerts and have
// working hours; and its queues, named groups of staff a call can be transferred to.
import type { WeeklyHours } from '../business/hours.js';

export interface StaffMember {
  id: string;
  /** The member user this entry is, or null for someone who never signs in. */
  userId: string | null;
  /** The entry's name, else the user's name, else their email. */
  name: string;
  /** E.164: the entry's, else the user's profile phone. */
  phone: string | null;
  /** The entry's, else the user's email. */
  email: string | null;
  doNotDisturb: boolean;
  /** Null: no working hours set (available whenever not on do-not-disturb). */
  workingHours: WeeklyHours | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface StaffQueue {
  id: string;
  name: string;
  description: string | null;
  /** The queue's own number (a hunt line), E.164, or null. */
  phone: string | null;
  /** In ring order. */
  members: Array<Pick<StaffMember, 'id' | 'name' | 'phone' | 'doNotDisturb'>>;
  createdAt: Date;
}

/** A new entry: a person without a user account (members are staff through their membership). */
export interface NewStaffMember {
  name: string;
  phone?: string | null;
  email?: string | null;
  doNotDisturb?: boolean;
  workingHours?: WeeklyHours | null;
}

/** A change to an entry: absent fields keep their value; null clears (for a member: back to the profile's). */
export interface StaffChange {
  name?: string | null;
  phone?: string | null;
  email?: string | null;
  doNotDisturb?: boolean;
  workingHours?: WeeklyHours | null;
}

export interface NewStaffQueue {
  name: string;
  description?: string | null;
  phone?: string | null;
  /** Staff ids, in ring order. */
  staffIds: string[];
}
