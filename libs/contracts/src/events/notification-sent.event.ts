import { IsEnum, IsString, Matches, MaxLength, MinLength } from 'class-validator';

import { OrderId } from './event-fields';
import { NotificationChannel } from './reasons';
import { Describe, DescribeClass } from './schema-hints';

/** `notifications.sent`: the customer was told about the order's outcome. */
@DescribeClass("The customer was notified of the order's final state.")
export class NotificationSentData {
  @OrderId()
  orderId!: string;

  @IsEnum(NotificationChannel)
  @Describe('Channel the notification went out on.')
  channel!: NotificationChannel;

  @IsString()
  @MinLength(1)
  @MaxLength(64)
  @Matches(/^[a-z0-9]+(?:-[a-z0-9]+)*$/)
  @Describe('Template name, kebab-case (e.g. order-confirmed).')
  template!: string;

  @IsString()
  @MinLength(1)
  @MaxLength(320)
  @Describe('Who the notification was sent to (customer id or address).')
  recipient!: string;
}
